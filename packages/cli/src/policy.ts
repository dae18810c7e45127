import { EvolmmError } from '@evolmm/core';
import type { TrainablePolicy, VisionLanguageModel } from '@evolmm/core';
import { resolveModel } from './models.js';

/** Loads a model that can learn; only backends with `step()` (tfjs) qualify. */
export async function resolvePolicy(spec: string, options: Record<string, unknown>): Promise<TrainablePolicy> {
  const model: VisionLanguageModel = await resolveModel(spec, options);
  if (typeof (model as Partial<TrainablePolicy>).step !== 'function') {
    await model.dispose();
    throw new EvolmmError(
      'UNSUPPORTED',
      `model '${spec}' cannot be trained: its backend only generates. Train with a tfjs model (--model tfjs:<hf-folder>) ` +
        'and use onnx/openai models as --rollout-model',
    );
  }
  return model as TrainablePolicy;
}

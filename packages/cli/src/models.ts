import { createModelRegistry } from '@evolmm/core';
import type { ModelFactoryOptions, ModelRegistry, VisionLanguageModel } from '@evolmm/core';

/**
 * The CLI's registry. Backends are imported lazily so `evolmm score` never loads TensorFlow.js or onnxruntime.
 */
export function cliRegistry(): ModelRegistry {
  return createModelRegistry({
    tfjs: async (location, options) => (await import('@evolmm/backend-tfjs')).tfjsModelFactory(location, options),
    onnx: async (location, options) => (await import('@evolmm/backend-onnx')).onnxModelFactory(location, options),
    openai: async (location, options) => (await import('@evolmm/backend-openai')).openaiModelFactory(location, options),
  });
}

export async function resolveModel(spec: string, options: ModelFactoryOptions = {}): Promise<VisionLanguageModel> {
  return cliRegistry().resolve(spec, options);
}

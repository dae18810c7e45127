/**
 * Independent check (issue 5): @huggingface/transformers (its own processor, rope index, image merging and KV-cache
 * loop) loads our exported folder, and its greedy generate() must give the same tokens as our runner. A logits
 * processor records transformers.js's per-step logits, which must equal our full-sequence logits at those positions.
 */
import { basename, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AutoProcessor,
  env,
  LogitsProcessor,
  LogitsProcessorList,
  Qwen2_5_VLForConditionalGeneration,
  Qwen2VLForConditionalGeneration,
  RawImage,
  type Tensor,
} from '@huggingface/transformers';
import type { ChatMessage, RawImage as CoreRawImage } from '@evolmm/core';
import { loadOnnxModel, type OnnxModel } from './onnx-model.js';
import { extendPrepared, maxAbsDiff, quiet, scratch, testImage, tinyExport, VARIANTS } from './__fixtures__/tiny.js';

const tmp = scratch('tjs');
afterAll(() => tmp.cleanup());

/** Copies the raw logits transformers.js samples from at each step. */
class Recorder extends LogitsProcessor {
  steps: Float32Array[] = [];
  override _call(_ids: bigint[][], logits: Tensor): Tensor {
    this.steps.push(Float32Array.from(logits.data as Float32Array));
    return logits;
  }
}

const NEW_TOKENS = 12;

describe.each(VARIANTS)('transformers.js reads our %s export', (variant) => {
  let folder = '';
  let ours: OnnxModel;
  let tjs: { processor: Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>; model: Awaited<ReturnType<typeof Qwen2VLForConditionalGeneration.from_pretrained>> };

  beforeAll(async () => {
    const { out } = await tinyExport(tmp.dir, variant, { checkpoint: { seed: 3 } });
    folder = out;
    env.allowRemoteModels = false;
    env.localModelPath = `${dirname(out)}/`;
    const Cls = variant === 'qwen2.5-vl' ? Qwen2_5_VLForConditionalGeneration : Qwen2VLForConditionalGeneration;
    tjs = {
      processor: await AutoProcessor.from_pretrained(basename(out)),
      model: await Cls.from_pretrained(basename(out), { dtype: 'fp32', device: 'cpu' }),
    };
    ours = await loadOnnxModel(folder, quiet);
  });
  afterAll(async () => {
    await ours?.dispose();
    await tjs?.model.dispose();
  });

  const cases: Array<[string, CoreRawImage | null, string]> = [
    ['text only', null, 'Hello there, how are you today?'],
    ['an 84x56 image', testImage(84, 56), 'Describe the picture.'],
    ['a 56x112 image', testImage(56, 112, 53), 'What colour is it?'],
  ];
  it.each(cases)('greedy tokens and per-step logits agree: %s', async (_label, image, text) => {
    const conv = [{ role: 'user', content: [...(image ? [{ type: 'image' }] : []), { type: 'text', text }] }];
    const prompt = tjs.processor.apply_chat_template(conv, { add_generation_prompt: true });
    const inputs = image
      ? await tjs.processor(prompt, new RawImage(new Uint8ClampedArray(image.data), image.width, image.height, 3))
      : await tjs.processor(prompt);
    const recorder = new Recorder();
    const list = new LogitsProcessorList();
    list.push(recorder);
    const seq = (await tjs.model.generate({ ...inputs, max_new_tokens: NEW_TOKENS, do_sample: false, logits_processor: list })) as Tensor;
    const L = inputs.input_ids.dims[1];
    const theirs = (seq.tolist() as bigint[][])[0].slice(L).map(Number);

    const messages: ChatMessage[] = [{ role: 'user', content: [...(image ? [{ type: 'image' as const, image }] : []), { type: 'text' as const, text }] }];
    const [mine] = await ours.generate({ messages, maxNewTokens: NEW_TOKENS, temperature: 0 });
    // Same prompt ids from both processors, then the same greedy continuation.
    const prepared = await ours.processor.prepare(messages);
    expect(Array.from(prepared.inputIds)).toEqual((inputs.input_ids.tolist() as bigint[][])[0].map(Number));
    // transformers.js 4.3.1 text-only bug: _get_text_only_rope_index returns rope delta max + 1 + L instead of
    // Python's max + 1 − L (= 0), so its decode positions are i + 2L. We follow Python; with an image both agree.
    const theirDelta = image ? prepared.ropeDelta : 2 * L;
    if (image) expect(mine.tokenIds).toEqual(theirs.slice(0, mine.tokenIds.length));
    else expect(mine.tokenIds[0]).toBe(theirs[0]); // the prefill is unaffected by the bug

    // transformers.js's incremental logits == our single full-sequence pass over prompt + its tokens (placed at its
    // positions).
    const full = await ours.forwardLogits(extendPrepared({ ...prepared, ropeDelta: theirDelta }, theirs));
    const V = full.vocabSize;
    expect(recorder.steps.length).toBe(theirs.length);
    recorder.steps.forEach((step, s) => {
      const row = full.logits.subarray((L - 1 + s) * V, (L + s) * V);
      expect(maxAbsDiff(step, row)).toBeLessThan(1e-4);
    });
    // the steps really are different positions (tiny random models often repeat one token greedily)
    expect(maxAbsDiff(recorder.steps[0], recorder.steps[recorder.steps.length - 1])).toBeGreaterThan(1e-3);
  });
});

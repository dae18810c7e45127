/**
 * Parity with the tfjs backend (issue 5 "done when"): same tiny checkpoints, fp32 logits within 1e-4, identical
 * greedy tokens with and without images, and the same seeded samples (shared qwen-vl sampler and RNG streams).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel } from '@evolmm/backend-tfjs';
import type { ChatMessage } from '@evolmm/core';
import { loadOnnxModel, type OnnxModel } from './onnx-model.js';
import { imagePrompt, maxAbsDiff, quiet, scratch, TEXT_PROMPT, testImage, tinyExport, VARIANTS } from './__fixtures__/tiny.js';

const tmp = scratch('tfjs');
afterAll(() => tmp.cleanup());

describe.each(VARIANTS)('ONNX vs tfjs (%s)', (variant) => {
  let onnx: OnnxModel;
  let tfjs: Awaited<ReturnType<typeof loadTfjsModel>>;
  beforeAll(async () => {
    const { hf, out } = await tinyExport(tmp.dir, variant, { checkpoint: { seed: 4 } });
    onnx = await loadOnnxModel(out, quiet);
    tfjs = await loadTfjsModel(hf, { lora: false, logBackend: false });
  }, 120_000);
  afterAll(async () => {
    await onnx?.dispose();
    await tfjs?.dispose();
  });

  const prompts: Array<[string, ChatMessage[]]> = [
    ['text', TEXT_PROMPT],
    ['image 84x56', imagePrompt()],
    ['image 140x252 (several windows)', imagePrompt(testImage(252, 140, 61), 'Read the chart.')],
  ];
  it.each(prompts)('logits within 1e-4 and identical greedy and seeded tokens (%s)', async (_label, messages) => {
    const prepared = await onnx.processor.prepare(messages);
    const a = (await onnx.forwardLogits(prepared)).logits;
    const b = await tfjs.forwardLogits(prepared);
    expect(a.length).toBe(b.length);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-4);
    const greedy = { messages, maxNewTokens: 8, temperature: 0 };
    expect((await onnx.generate(greedy))[0].tokenIds).toEqual((await tfjs.generate(greedy))[0].tokenIds);
    const sampled = { messages, n: 3, maxNewTokens: 8, temperature: 1, seed: 17 };
    const so = await onnx.generate(sampled);
    const st = await tfjs.generate(sampled);
    expect(so.map((c) => c.tokenIds)).toEqual(st.map((c) => c.tokenIds));
    expect(so.map((c) => c.text)).toEqual(st.map((c) => c.text));
  });
});

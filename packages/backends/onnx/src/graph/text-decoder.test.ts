import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, openWeights } from '@evolmm/qwen-vl';
import { loadOnnxModel } from '../onnx-model.js';
import { referenceDecoder, referenceEmbeds } from '../__fixtures__/reference-decoder.js';
import { referenceVision } from '../__fixtures__/reference-vision.js';
import { imagePrompt, maxAbsDiff, quiet, scratch, TEXT_PROMPT, testImage, tinyExport, VARIANTS } from '../__fixtures__/tiny.js';

const tmp = scratch('decoder');
afterAll(() => tmp.cleanup());

/**
 * End to end against loop ports of the HF modules (reference-decoder.ts, reference-vision.ts): the processor's
 * prepared input → our three ONNX graphs → logits, vs the references fed the same prepared input. Covers M-RoPE
 * section selection, GQA, the causal mask, tied lm_head and image-feature merging.
 */
describe.each(VARIANTS)('decoder graph end to end (%s)', (variant) => {
  it.each([
    ['text', TEXT_PROMPT],
    ['image', imagePrompt(testImage(112, 56))],
  ] as const)('full-sequence logits match the HF-algorithm reference (%s prompt)', async (_label, messages) => {
    const { hf, out } = await tinyExport(tmp.dir, variant, { name: `${variant}-${_label}`, checkpoint: { seed: 2 } });
    const model = await loadOnnxModel(out, quiet);
    const prepared = await model.processor.prepare(messages);
    const got = await model.forwardLogits(prepared);
    const store = openWeights(hf);
    const config = await loadConfig(hf);
    const feats = prepared.pixelValues ? referenceVision(store, config, prepared.pixelValues, prepared.imageGridThw) : null;
    const want = referenceDecoder(store, config, referenceEmbeds(store, config, prepared, feats), prepared);
    store.close();
    expect(got.logits.length).toBe(want.length);
    expect(maxAbsDiff(got.logits, want)).toBeLessThan(1e-4);
    await model.dispose();
  });
});

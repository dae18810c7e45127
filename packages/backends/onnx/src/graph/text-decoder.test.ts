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

describe('decoder cache outputs', () => {
  it('num_logits_to_keep −k keeps k logits and skips `present`; new_key_values are the last rows of `present`', async () => {
    const { out } = await tinyExport(tmp.dir, 'qwen2.5-vl', { name: 'cache-outputs', checkpoint: { seed: 4 } });
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(`${out}/onnx/decoder_model_merged.onnx`);
    const config = await loadConfig(out);
    const { hiddenSize: H, numHiddenLayers: layers, numKeyValueHeads: kvh, headDim: hd } = config.text;
    const past = 3;
    const s = 2;
    const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i * 0.37));
    const feeds = (keep: number) => {
      const f: Record<string, InstanceType<typeof ort.Tensor>> = {
        inputs_embeds: new ort.Tensor('float32', rand(s * H, 1), [1, s, H]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(past + s).fill(1n), [1, past + s]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from([3n, 4n, 3n, 4n, 3n, 4n]), [3, 1, s]),
        num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), []),
      };
      for (let i = 0; i < layers; i++) for (const kind of ['key', 'value']) f[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', rand(kvh * past * hd, 10 * i + kind.length), [1, kvh, past, hd]);
      return f;
    };
    const full = await session.run(feeds(1));
    const skipped = await session.run(feeds(-1));
    expect(skipped.logits.dims).toEqual(full.logits.dims);
    expect(maxAbsDiff(skipped.logits.data as Float32Array, full.logits.data as Float32Array)).toBe(0);
    for (let i = 0; i < layers; i++) {
      for (const kind of ['key', 'value']) {
        const present = full[`present.${i}.${kind}`];
        expect(present.dims).toEqual([1, kvh, past + s, hd]);
        expect(skipped[`present.${i}.${kind}`].dims).toEqual([1, kvh, 0, hd]);
        const rows = skipped[`new_key_values.${i}.${kind}`];
        expect(rows.dims).toEqual([1, kvh, s, hd]);
        const p = present.data as Float32Array;
        const r = rows.data as Float32Array;
        for (let h = 0; h < kvh; h++) {
          expect(Array.from(r.subarray(h * s * hd, (h + 1) * s * hd))).toEqual(Array.from(p.subarray((h * (past + s) + past) * hd, (h + 1) * (past + s) * hd)));
        }
      }
    }
    await session.release();
  });
});

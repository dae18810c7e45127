import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { createRng } from '@evolmm/core';
import { loadConfig, openWeights } from '@evolmm/qwen-vl';
import { referenceVision } from '../__fixtures__/reference-vision.js';
import { maxAbsDiff, scratch, tinyExport, VARIANTS } from '../__fixtures__/tiny.js';

const tmp = scratch('vision');
afterAll(() => tmp.cleanup());

/**
 * The in-graph indices (rotary positions, frames, windows) and the mask-instead-of-permutation formulation against
 * a loop port of HF's algorithm that does permute (reference-vision.ts). Two images in one call: 140×252 px (grid
 * 10×18: merged 5×9, i.e. 2×3 windows incl. partial ones) and 56×84 px (grid 4×6, one window).
 */
describe.each(VARIANTS)('vision_encoder graph (%s)', (variant) => {
  it('matches the HF-algorithm reference for two images of different sizes in one call', async () => {
    const { hf, out } = await tinyExport(tmp.dir, variant);
    const grids: Array<[number, number, number]> = [
      [1, 10, 18],
      [1, 4, 6],
    ];
    const P = grids.reduce((s, [t, h, w]) => s + t * h * w, 0);
    const rng = createRng(7);
    const pixels = Float32Array.from({ length: P * 1176 }, () => rng.next() * 2 - 1);
    const session = await ort.InferenceSession.create(join(out, 'onnx', 'vision_encoder.onnx'));
    const got = await session.run({
      pixel_values: new ort.Tensor('float32', pixels, [P, 1176]),
      [session.inputNames[1]]: new ort.Tensor('int64', BigInt64Array.from(grids.flat().map(BigInt)), [2, 3]),
    });
    const store = openWeights(hf);
    const config = await loadConfig(hf);
    const want = referenceVision(store, config, pixels, grids);
    const feats = got.image_features;
    expect(feats.dims).toEqual([P / 4, config.vision.outHiddenSize]);
    const err = maxAbsDiff(feats.data as Float32Array, want);
    expect(err).toBeLessThan(1e-4);
    // the reference is sensitive to the windows: dropping them (all-full attention) changes the answer
    if (variant === 'qwen2.5-vl') {
      const noWindows = referenceVision(store, { ...config, vision: { ...config.vision, fullattBlockIndexes: [0, 1] } }, pixels, grids);
      expect(maxAbsDiff(noWindows, want)).toBeGreaterThan(1e-3);
    }
    store.close();
    await session.release();
  });
});

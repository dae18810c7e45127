import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { createRng } from '@evolmm/core';
import { cuSeqlens, loadConfig, openWeights, windowIndex, type QwenVLConfig, type QwenVariant, type WeightStore } from '@evolmm/qwen-vl';
import { referenceVision } from '../__fixtures__/reference-vision.js';
import { maxAbsDiff, scratch, tinyExport, VARIANTS } from '../__fixtures__/tiny.js';

type Grid = Array<[number, number, number]>;

const tmp = scratch('vision');
afterAll(() => tmp.cleanup());

/**
 * The in-graph indices (rotary positions, frames, the padded window layout of vision-windows.ts) against a loop
 * port of HF's algorithm that permutes the whole stream window by window (reference-vision.ts). The tiny config has
 * window_size 112 = 4×4 merged tokens (8×8 patches), so every grid below spans several windows; the cases stress
 * the window bookkeeping: partial windows, window numbering across frames and across images.
 */
describe.each(VARIANTS)('vision_encoder graph (%s)', (variant: QwenVariant) => {
  let store: WeightStore;
  let config: QwenVLConfig;
  let session: ort.InferenceSession;
  beforeAll(async () => {
    const { hf, out } = await tinyExport(tmp.dir, variant);
    store = openWeights(hf);
    config = await loadConfig(hf);
    session = await ort.InferenceSession.create(join(out, 'onnx', 'vision_encoder.onnx'));
  }, 60_000);
  afterAll(async () => {
    store?.close();
    await session?.release();
  });

  /** Runs the graph and the reference on random pixels for `grids` in one call; returns both. */
  async function compare(grids: Grid, seed: number): Promise<{ got: ort.Tensor; want: Float64Array; pixels: Float32Array }> {
    const P = grids.reduce((s, [t, h, w]) => s + t * h * w, 0);
    const rng = createRng(seed);
    const pixels = Float32Array.from({ length: P * 1176 }, () => rng.next() * 2 - 1);
    const res = await session.run({
      pixel_values: new ort.Tensor('float32', pixels, [P, 1176]),
      [session.inputNames[1]]: new ort.Tensor('int64', BigInt64Array.from(grids.flat().map(BigInt)), [grids.length, 3]),
    });
    const got = res.image_features;
    expect(got.dims).toEqual([P / 4, config.vision.outHiddenSize]);
    return { got, want: referenceVision(store, config, pixels, grids), pixels };
  }

  /** Guards against a vacuous case: the grids must hold more windows than frames (windows really partition). */
  function expectSeveralWindowsPerFrame(grids: Grid): void {
    if (variant !== 'qwen2.5-vl') return;
    const v = config.vision;
    const windows = windowIndex(grids, { windowSize: v.windowSize!, patchSize: v.patchSize, mergeSize: v.spatialMergeSize }).cuWindowSeqlens.length - 1;
    expect(windows).toBeGreaterThan(cuSeqlens(grids).length - 1);
  }

  it('matches the HF-algorithm reference for two images of different sizes in one call', async () => {
    // 140×252 px (grid 10×18: merged 5×9, i.e. 2×3 windows incl. partial ones) and 56×84 px (grid 4×6, one window)
    const grids: Grid = [
      [1, 10, 18],
      [1, 4, 6],
    ];
    expectSeveralWindowsPerFrame(grids);
    const { got, want, pixels } = await compare(grids, 7);
    expect(maxAbsDiff(got.data as Float32Array, want)).toBeLessThan(1e-4);
    // the reference is sensitive to the windows: dropping them (all-full attention) changes the answer
    if (variant === 'qwen2.5-vl') {
      const noWindows = referenceVision(store, { ...config, vision: { ...config.vision, fullattBlockIndexes: [0, 1] } }, pixels, grids);
      expect(maxAbsDiff(noWindows, want)).toBeGreaterThan(1e-3);
    }
  });

  it('handles partial windows on both edges (merged sides 7×11, not multiples of 4) and a frame one window high', async () => {
    const grids: Grid = [
      [1, 14, 22], // merged 7×11: 2×3 windows, the last row and column partial
      [1, 6, 26], // merged 3×13: 1×4 windows, all cut at the bottom, the last one 1 merged token wide
    ];
    expectSeveralWindowsPerFrame(grids);
    const { got, want } = await compare(grids, 11);
    expect(maxAbsDiff(got.data as Float32Array, want)).toBeLessThan(1e-4);
  });

  it('numbers windows per frame: a two-frame grid (t = 2) followed by another image', async () => {
    const grids: Grid = [
      [2, 10, 14], // two frames of merged 5×7: 2×2 windows each, windows must not be shared across frames
      [1, 8, 8], // exactly one full window, numbered after both frames
    ];
    expectSeveralWindowsPerFrame(grids);
    const { got, want } = await compare(grids, 13);
    expect(maxAbsDiff(got.data as Float32Array, want)).toBeLessThan(1e-4);
  });

  it('handles three images of different sizes in one call', async () => {
    const grids: Grid = [
      [1, 8, 12], // merged 4×6: 1×2 windows
      [1, 18, 10], // merged 9×5: 3×2 windows
      [1, 4, 4], // merged 2×2: one partial window
    ];
    expectSeveralWindowsPerFrame(grids);
    const { got, want } = await compare(grids, 17);
    expect(maxAbsDiff(got.data as Float32Array, want)).toBeLessThan(1e-4);
  });
});

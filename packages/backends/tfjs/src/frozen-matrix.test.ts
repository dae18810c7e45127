import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedInput } from '@evolmm/qwen-vl';
import { imageMessages, maxAbsDiff, randomizeAdapter, tinyCheckpoint } from './__fixtures__/tiny.js';
import { frozenFromHf, mulTransposed } from './frozen-matrix.js';
import { loadTfjsModel, type TfjsQwenModel } from './model.js';

describe("weight layouts 'fast' and 'compact' compute the same model", () => {
  let fast: TfjsQwenModel;
  let compact: TfjsQwenModel;
  let prepared: PreparedInput;
  beforeAll(async () => {
    const dir = await tinyCheckpoint('qwen2-vl'); // tied embeddings: covers the lookup through the lm head too
    const opts = { backend: 'wasm' as const, logBackend: false, learningRate: 1e-2, lora: { dropout: 0 } };
    fast = await loadTfjsModel(dir, { ...opts, weightLayout: 'fast' });
    compact = await loadTfjsModel(dir, { ...opts, weightLayout: 'compact' });
    expect(fast.core.weights.text.lmHead.layout).toBe('fast');
    expect(compact.core.weights.text.lmHead.layout).toBe('compact');
    randomizeAdapter(fast, 'default', 21);
    randomizeAdapter(compact, 'default', 21);
    prepared = await fast.prepare(imageMessages());
  });
  afterAll(async () => {
    await fast.dispose();
    await compact.dispose();
  });

  it('same logits, same step statistics and the same updated adapter', async () => {
    expect(maxAbsDiff(await fast.forwardLogits(prepared), await compact.forwardLogits(prepared))).toBeLessThan(1e-4);
    const batch = { adapter: 'default', beta: 0.3, samples: [{ tokenIds: [5, 6, 7, 8], advantage: 1 }, { tokenIds: [9], advantage: -1 }] };
    const a = await fast.stepPrepared(prepared, batch);
    const b = await compact.stepPrepared(prepared, batch);
    expect(b.loss).toBeCloseTo(a.loss, 5);
    expect(b.gradNorm).toBeCloseTo(a.gradNorm, 4);
    expect(a.gradNorm).toBeGreaterThan(0);
    const wa = fast.adapterWeights('default');
    // AdamW's first step is ≈ lr·sign(g): fp32 differences between kernels move tiny coordinates by ≪ lr = 1e-2.
    for (const [k, v] of compact.adapterWeights('default')) expect(maxAbsDiff(v, wa.get(k)!)).toBeLessThan(1e-4);
    const ga = await fast.generate({ messages: imageMessages(), n: 2, maxNewTokens: 6, seed: 3 });
    const gb = await compact.generate({ messages: imageMessages(), n: 2, maxNewTokens: 6, seed: 3 });
    expect(gb.map((c) => c.tokenIds)).toEqual(ga.map((c) => c.tokenIds));
  });
});

describe('mulTransposed', () => {
  it('g·Mᵀ is the same in both layouts, including the row-block path for large compact matrices', async () => {
    await tf.ready();
    // 20000×900 = 18M elements > 2^24: the compact path multiplies two row blocks.
    const hf = tf.randomUniform([20000, 900], -1, 1, 'float32', 3) as tf.Tensor2D; // Mᵀ [out, in]
    const g = tf.randomUniform([3, 20000], -1, 1, 'float32', 4) as tf.Tensor2D;
    const compact = frozenFromHf(tf.clone(hf), 'compact');
    const fast = frozenFromHf(tf.clone(hf), 'fast');
    const a = mulTransposed(g, compact);
    const b = mulTransposed(g, fast);
    const ref = tf.matMul(g, hf);
    expect(a.shape).toEqual([3, 900]);
    const diff = (x: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(x, ref))).dataSync()[0]);
    expect(diff(a)).toBeLessThan(1e-3); // sums of 20000 products of size ~1: fp32 ordering differences only
    expect(diff(b)).toBeLessThan(1e-3);
    tf.dispose([hf, g, compact.t, fast.t, a, b, ref]);
  });
});

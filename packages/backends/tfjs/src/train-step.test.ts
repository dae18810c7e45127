import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@evolmm/core';
import type { PreparedInput } from '@evolmm/qwen-vl';
import { extend, imageMessages, randomizeAdapter, tinyCheckpoint } from './__fixtures__/tiny.js';
import { DropoutSource, adapterVariables } from './lora.js';
import { loadTfjsModel, type TfjsQwenModel } from './model.js';
import { groupGradients } from './train-step.js';

/** log softmax of row i of a [T, V] logit matrix, in float64. */
function logSoftmaxRow(logits: Float32Array, i: number, V: number): Float64Array {
  const row = logits.subarray(i * V, (i + 1) * V);
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let s = 0;
  for (const v of row) s += Math.exp(v - max);
  const lse = max + Math.log(s);
  return Float64Array.from(row, (v) => v - lse);
}

describe('LoRA policy step (qwen2.5-vl, image prompt)', () => {
  let model: TfjsQwenModel;
  let prepared: PreparedInput;
  const samples = [
    { tokenIds: [72, 101, 108, 108, 111], advantage: 0.7 },
    { tokenIds: [33, 300, 64], advantage: -0.4 },
  ];
  beforeAll(async () => {
    model = await loadTfjsModel(await tinyCheckpoint('qwen2.5-vl'), { backend: 'wasm', logBackend: false, lora: { dropout: 0 } });
    prepared = await model.prepare(imageMessages());
  });
  afterAll(() => model.dispose());

  const lossAndGrads = (beta: number, adapter = 'default') => {
    const a = model.core.adapters.get(adapter)!;
    const vars = adapterVariables(a);
    return { vars, ...groupGradients(model.core, prepared, samples, { adapter: a, vars, beta, totalSamples: samples.length, dropout: undefined, lossChunk: 3 }) };
  };

  it('zero-initialised LoRA reproduces the base model exactly, and KL is exactly 0', async () => {
    const base = await model.forwardLogits(prepared, { adapter: 'none' });
    const lora = await model.forwardLogits(prepared, { adapter: 'default' });
    expect(Array.from(lora)).toEqual(Array.from(base));
    const r = lossAndGrads(0.5);
    tf.dispose(r.grads);
    expect(r.kl).toEqual([0, 0]);
  });

  it('per-sample NLL and KL equal those computed from two independent full forward passes', async () => {
    randomizeAdapter(model, 'default', 11);
    const r = lossAndGrads(0.3);
    tf.dispose(r.grads);
    const V = model.config.text.vocabSize;
    const P = prepared.inputIds.length;
    let expectLoss = 0;
    for (const [s, sample] of samples.entries()) {
      const ext = extend(prepared, sample.tokenIds);
      const pol = await model.forwardLogits(ext, { adapter: 'default' });
      const ref = await model.forwardLogits(ext, { adapter: 'none' });
      let nll = 0;
      let kl = 0;
      sample.tokenIds.forEach((tok, j) => {
        const lp = logSoftmaxRow(pol, P - 1 + j, V);
        const lq = logSoftmaxRow(ref, P - 1 + j, V);
        nll -= lp[tok];
        for (let v = 0; v < V; v++) kl += Math.exp(lp[v]) * (lp[v] - lq[v]);
      });
      const L = sample.tokenIds.length;
      expect(r.nll[s]).toBeCloseTo(nll / L, 4);
      expect(r.kl[s]).toBeCloseTo(kl / L, 5);
      expect(kl).toBeGreaterThan(0);
      expectLoss += (sample.advantage * (nll / L) + 0.3 * (kl / L)) / samples.length;
    }
    expect(r.loss).toBeCloseTo(expectLoss, 4);
  });

  it('gradients match central finite differences (random direction and single coordinates)', () => {
    randomizeAdapter(model, 'default', 12);
    const beta = 0.5;
    const { vars, grads, loss } = lossAndGrads(beta);
    expect(Number.isFinite(loss)).toBe(true);
    const rng = createRng(99);
    const dirs = vars.map((v) => Float32Array.from({ length: v.size }, () => rng.nextNormal()));
    // A unit direction: with fp32 losses (~1e-7 relative noise) a step of 3e-2 keeps both the rounding error and
    // the O(ε²) truncation error of the central difference near 1e-4 relative.
    const dn = Math.sqrt(dirs.reduce((s, d) => s + d.reduce((q, x) => q + x * x, 0), 0));
    dirs.forEach((d) => d.forEach((x, k) => (d[k] = x / dn)));
    const gData = grads.map((g) => g.dataSync() as Float32Array);
    tf.dispose(grads);
    const orig = vars.map((v) => v.dataSync().slice() as Float32Array);
    const lossAt = (shift: (i: number) => Float32Array): number => {
      vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(shift(i), v.shape))));
      const r = lossAndGrads(beta);
      tf.dispose(r.grads);
      return r.loss;
    };
    const restore = () => vars.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(orig[i], v.shape))));
    // Directional derivative along a random direction over all adapter parameters.
    const eps = 3e-2;
    const plus = lossAt((i) => orig[i].map((x, k) => x + eps * dirs[i][k]));
    const minus = lossAt((i) => orig[i].map((x, k) => x - eps * dirs[i][k]));
    restore();
    const fd = (plus - minus) / (2 * eps);
    let analytic = 0;
    gData.forEach((g, i) => g.forEach((x, k) => (analytic += x * dirs[i][k])));
    expect(Math.abs(analytic)).toBeGreaterThan(1e-2);
    expect(Math.abs(fd - analytic) / Math.abs(analytic)).toBeLessThan(3e-3);
    // The largest single coordinates of an A and a B matrix (first and last layer).
    for (const vi of [0, 1, vars.length - 2, vars.length - 1]) {
      let k = 0;
      gData[vi].forEach((x, j) => {
        if (Math.abs(x) > Math.abs(gData[vi][k])) k = j;
      });
      const h = 3e-2;
      const p = lossAt((i) => (i === vi ? orig[i].map((x, j) => (j === k ? x + h : x)) : orig[i]));
      const m = lossAt((i) => (i === vi ? orig[i].map((x, j) => (j === k ? x - h : x)) : orig[i]));
      restore();
      const fdk = (p - m) / (2 * h);
      expect(Math.abs(fdk - gData[vi][k]) / Math.abs(gData[vi][k])).toBeLessThan(5e-3);
    }
  });

  it('activation recomputation gives the same loss and gradients (dropout masks replayed)', () => {
    randomizeAdapter(model, 'default', 13);
    const a = model.core.adapters.get('default')!;
    const vars = adapterVariables(a);
    const run = (recompute: boolean) =>
      groupGradients(model.core, prepared, samples, {
        adapter: a,
        vars,
        beta: 0.2,
        totalSamples: 2,
        dropout: new DropoutSource(0.3, createRng(5)),
        lossChunk: 4,
        recompute,
      });
    const plain = run(false);
    const before = tf.memory().numTensors;
    const re = run(true);
    expect(tf.memory().numTensors - re.grads.length).toBe(before); // nothing but the gradients survives
    expect(re.loss).toBeCloseTo(plain.loss, 6);
    let maxDiff = 0;
    let maxAbs = 0;
    plain.grads.forEach((g, i) => {
      const p = g.dataSync();
      const r = re.grads[i].dataSync();
      for (let k = 0; k < p.length; k++) {
        maxDiff = Math.max(maxDiff, Math.abs(p[k] - r[k]));
        maxAbs = Math.max(maxAbs, Math.abs(p[k]));
      }
    });
    tf.dispose([...plain.grads, ...re.grads]);
    expect(maxAbs).toBeGreaterThan(1e-3);
    expect(maxDiff).toBeLessThan(1e-5 * maxAbs);
    // With a different dropout stream the gradient differs: the comparison above really saw the masks.
    const other = groupGradients(model.core, prepared, samples, { adapter: a, vars, beta: 0.2, totalSamples: 2, dropout: new DropoutSource(0.3, createRng(6)), lossChunk: 4, recompute: true });
    expect(Math.abs(other.loss - plain.loss)).toBeGreaterThan(1e-6);
    tf.dispose(other.grads);
  });

  it('micro-batches sum to the same gradient as one batch', () => {
    const a = model.core.adapters.get('default')!;
    const vars = adapterVariables(a);
    const opts = { adapter: a, vars, beta: 0.2, totalSamples: 2, dropout: undefined, lossChunk: 64 };
    const whole = groupGradients(model.core, prepared, samples, opts);
    const g0 = groupGradients(model.core, prepared, samples.slice(0, 1), opts);
    const g1 = groupGradients(model.core, prepared, samples.slice(1), opts);
    expect(g0.loss + g1.loss).toBeCloseTo(whole.loss, 5);
    let maxDiff = 0;
    let maxAbs = 0;
    whole.grads.forEach((g, i) => {
      const w = g.dataSync();
      const s0 = g0.grads[i].dataSync();
      const s1 = g1.grads[i].dataSync();
      for (let k = 0; k < w.length; k++) {
        maxDiff = Math.max(maxDiff, Math.abs(w[k] - s0[k] - s1[k]));
        maxAbs = Math.max(maxAbs, Math.abs(w[k]));
      }
    });
    tf.dispose([...whole.grads, ...g0.grads, ...g1.grads]);
    expect(maxAbs).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(1e-5 * Math.max(1, maxAbs));
  });
});

describe('TrainablePolicy.step', () => {
  let model: TfjsQwenModel;
  let prepared: PreparedInput;
  beforeAll(async () => {
    model = await loadTfjsModel(await tinyCheckpoint('qwen2-vl'), { backend: 'wasm', logBackend: false, learningRate: 1e-2, lora: { dropout: 0.05 } });
    prepared = await model.prepare(imageMessages('Name one colour.'));
  });
  afterAll(() => model.dispose());

  it('KL is 0 before the first update and positive after; only the stepped adapter changes', async () => {
    const samples = [
      { tokenIds: [72, 101, 108], advantage: 1 },
      { tokenIds: [33, 300, 64, 9], advantage: -0.5 },
    ];
    const proposerBefore = model.adapterWeights('proposer');
    const defaultBefore = model.adapterWeights('default');
    const first = await model.stepPrepared(prepared, { adapter: 'default', samples, beta: 0.1 });
    expect(first.kl).toEqual([0, 0]);
    expect(first.tokens).toBe(7);
    expect(first.gradNorm).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await model.stepPrepared(prepared, { adapter: 'default', samples, beta: 0.1 });
    const later = await model.stepPrepared(prepared, { adapter: 'default', samples, beta: 0.1 });
    for (const k of later.kl) expect(k).toBeGreaterThan(0);
    const proposerAfter = model.adapterWeights('proposer');
    for (const [key, v] of proposerBefore) expect(Buffer.from(proposerAfter.get(key)!.buffer).equals(Buffer.from(v.buffer))).toBe(true);
    let changed = 0;
    for (const [key, v] of defaultBefore) if (!Buffer.from(model.adapterWeights('default').get(key)!.buffer).equals(Buffer.from(v.buffer))) changed++;
    expect(changed).toBe(defaultBefore.size); // every A and B moved (weight decay moves A, the update moves B)
  });

  it('one AdamW step equals the hand-computed update (clip, bias correction, decoupled weight decay)', async () => {
    const fresh = 'proposer';
    const a = model.core.adapters.get(fresh)!;
    const vars = adapterVariables(a);
    const samples = [{ tokenIds: [50, 51, 52], advantage: 2 }];
    // Dropout draws from the model's stream; the gradient is recomputed without dropout here, so use rate 0.
    (a as { dropout: number }).dropout = 0;
    const g = groupGradients(model.core, prepared, samples, { adapter: a, vars, beta: 0, totalSamples: 1, dropout: undefined, lossChunk: 8 });
    const before = vars.map((v) => v.dataSync().slice());
    const grads = g.grads.map((t) => t.dataSync().slice() as Float32Array);
    tf.dispose(g.grads);
    const norm = Math.sqrt(grads.reduce((s, x) => s + x.reduce((q, y) => q + y * y, 0), 0));
    const lr = 3e-3;
    const stats = await model.stepPrepared(prepared, { adapter: fresh, samples, beta: 0, learningRate: lr });
    expect(stats.gradNorm).toBeCloseTo(norm, 4);
    const coef = Math.min(1, 1 / (norm + 1e-6));
    vars.forEach((v, i) => {
      const after = v.dataSync();
      for (let k = 0; k < after.length; k += 7) {
        const gc = grads[i][k] * coef;
        const m = 0.1 * gc;
        const vv = 0.001 * gc * gc;
        const upd = (m / 0.1) / (Math.sqrt(vv) / Math.sqrt(0.001) + 1e-8);
        const expected = before[i][k] * (1 - lr * 0.01) - lr * upd;
        expect(after[k]).toBeCloseTo(expected, 6);
      }
    });
  });

  it('β = 0 skips the reference pass (KL reported as 0)', async () => {
    const s = await model.stepPrepared(prepared, { adapter: 'default', samples: [{ tokenIds: [1, 2, 3], advantage: 1 }], beta: 0 });
    expect(s.kl).toEqual([0]);
    expect(s.nll[0]).toBeGreaterThan(0);
  });

  it('rejects unknown adapters and empty samples with clear errors', async () => {
    await expect(model.stepPrepared(prepared, { adapter: 'solver', samples: [{ tokenIds: [1], advantage: 1 }], beta: 0 })).rejects.toThrow(/unknown|cannot step adapter 'solver'/);
    await expect(model.stepPrepared(prepared, { adapter: 'default', samples: [{ tokenIds: [], advantage: 1 }], beta: 0 })).rejects.toThrow(/no completion tokens/);
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@evolmm/core';
import { createTfjsBackend } from './backend.js';
import { frozenFromHf, type WeightLayout } from './frozen-matrix.js';
import { chunkedHeadLoss, type HeadLossSpec } from './head-loss.js';

const D = 12;
const V = 8000;
const M = 64;

function randomTensor(shape: [number, number], seed: number, scale = 1): tf.Tensor2D {
  const rng = createRng(seed);
  const n = shape[0] * shape[1];
  return tf.tensor2d(Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * scale), shape);
}

/** The same loss with full [M, V] logits and tfjs autodiff: an independent implementation. */
function denseLoss(h: tf.Tensor2D, hf: tf.Tensor2D, spec: Omit<HeadLossSpec, 'lmHead' | 'chunk'>): tf.Scalar {
  const logp = tf.logSoftmax(tf.matMul(h, hf, false, true));
  const idx = Int32Array.from(spec.targets, (t, i) => i * V + t);
  const nll = tf.neg(tf.gather(logp.reshape([M * V]), tf.tensor1d(idx, 'int32')));
  let loss = tf.sum(tf.mul(nll, tf.tensor1d(spec.nllWeight)));
  if (spec.refHidden) {
    const logq = tf.logSoftmax(tf.matMul(spec.refHidden, hf, false, true));
    const kl = tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, logq)), 1);
    loss = tf.add(loss, tf.sum(tf.mul(kl, tf.tensor1d(spec.klWeight))));
  }
  return loss as tf.Scalar;
}

/** Peak of tf.memory().numBytes above the starting value while f runs, sampled after every kernel. */
function peakBytes(f: () => void): number {
  const engine = tf.engine() as unknown as { runKernelFunc: (...a: unknown[]) => unknown };
  const orig = engine.runKernelFunc;
  const start = tf.memory().numBytes;
  let peak = start;
  engine.runKernelFunc = function (this: unknown, ...a: unknown[]) {
    const out = orig.apply(this, a);
    peak = Math.max(peak, tf.memory().numBytes);
    return out;
  };
  try {
    f();
  } finally {
    engine.runKernelFunc = orig;
  }
  return peak - start;
}

describe('chunked, vocabulary-blocked loss head', () => {
  let hf: tf.Tensor2D;
  let h: tf.Tensor2D;
  let spec: Omit<HeadLossSpec, 'lmHead' | 'chunk'>;
  beforeAll(async () => {
    await createTfjsBackend({ backend: 'wasm', log: false });
    hf = randomTensor([V, D], 1, 0.8); // the head in HF layout [V, D]
    h = randomTensor([M, D], 2);
    const rng = createRng(3);
    spec = {
      targets: Int32Array.from({ length: M }, () => rng.nextInt(V)),
      nllWeight: Float32Array.from({ length: M }, () => rng.next() - 0.5),
      klWeight: Float32Array.from({ length: M }, () => 0.3 * rng.next()),
      refHidden: tf.add(h, randomTensor([M, D], 4, 0.3)) as tf.Tensor2D,
    };
  });

  for (const layout of ['fast', 'compact'] as WeightLayout[]) {
    it(`${layout}: value, per-position NLL/KL and dL/dh equal the dense full-logit implementation`, () => {
      const lmHead = frozenFromHf(tf.clone(hf), layout);
      // 7 positions per chunk and 333 vocabulary entries per block: uneven last chunk and last block.
      const full: HeadLossSpec = { ...spec, lmHead, chunk: 7, vocabBlock: 333 };
      const stats = { nll: new Float32Array(M), kl: new Float32Array(M) };
      const { value, grad: grads } = tf.valueAndGrad((x: tf.Tensor) => chunkedHeadLoss(x as tf.Tensor2D, full, stats))(h);
      const dense = tf.valueAndGrad((x: tf.Tensor) => denseLoss(x as tf.Tensor2D, hf, spec))(h);
      expect(value.dataSync()[0]).toBeCloseTo(dense.value.dataSync()[0], 4);
      const g = grads.dataSync();
      const gd = dense.grad.dataSync();
      let maxErr = 0;
      let maxAbs = 0;
      for (let i = 0; i < g.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(g[i] - gd[i]));
        maxAbs = Math.max(maxAbs, Math.abs(gd[i]));
      }
      expect(maxAbs).toBeGreaterThan(1e-3);
      expect(maxErr).toBeLessThan(1e-5 + 1e-4 * maxAbs);
      // Per-position statistics against float64 sums over explicit logits.
      const logits = tf.matMul(h, hf, false, true).dataSync();
      const ref = tf.matMul(spec.refHidden!, hf, false, true).dataSync();
      for (const t of [0, 6, 7, 63]) {
        const lse = (a: ArrayLike<number>) => {
          let mx = -Infinity;
          for (let v = 0; v < V; v++) mx = Math.max(mx, a[t * V + v]);
          let s = 0;
          for (let v = 0; v < V; v++) s += Math.exp(a[t * V + v] - mx);
          return mx + Math.log(s);
        };
        const lp = lse(logits);
        const lq = lse(ref);
        let kl = 0;
        for (let v = 0; v < V; v++) {
          const p = Math.exp(logits[t * V + v] - lp);
          kl += p * (logits[t * V + v] - lp - (ref[t * V + v] - lq));
        }
        expect(stats.nll[t]).toBeCloseTo(lp - logits[t * V + spec.targets[t]], 4);
        expect(stats.kl[t]).toBeCloseTo(kl, 5);
      }
      tf.dispose([value, grads, dense.value, dense.grad, lmHead.t]);
    });
  }

  it('memory: no [M, V] logits and no copy of the whole head are ever alive; nothing leaks', () => {
    const lmHead = frozenFromHf(tf.clone(hf), 'compact');
    const full: HeadLossSpec = { ...spec, lmHead, chunk: 8, vocabBlock: 250 };
    const stats = { nll: new Float32Array(M), kl: new Float32Array(M) };
    const before = tf.memory().numTensors;
    let out: tf.Tensor[] = [];
    const chunked = peakBytes(() => {
      const r = tf.valueAndGrad((x: tf.Tensor) => chunkedHeadLoss(x as tf.Tensor2D, full, stats))(h);
      out = [r.value, r.grad];
    });
    expect(tf.memory().numTensors - before).toBe(2); // the value and dL/dh only
    tf.dispose(out);
    const dense = peakBytes(() => {
      const r = tf.valueAndGrad((x: tf.Tensor) => denseLoss(x as tf.Tensor2D, hf, spec))(h);
      tf.dispose([r.value, r.grad]);
    });
    const logitBytes = M * V * 4; // one [M, V] fp32 matrix: 2 MB here
    const blockBytes = 8 * 250 * 4; // one [chunk, block] logit block: 8 KB
    // The probe sees the dense path's full logits (so these bounds can fail); the chunked path holds a bounded
    // number of block-sized tensors: far below one [M, V] matrix and below one copy of the head [V, D].
    expect(dense).toBeGreaterThan(2 * logitBytes);
    expect(chunked).toBeLessThan(16 * blockBytes);
    expect(chunked).toBeLessThan(logitBytes / 8);
    expect(chunked).toBeLessThan(V * D * 4);
    lmHead.t.dispose();
  });
});

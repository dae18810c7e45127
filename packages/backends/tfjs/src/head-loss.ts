import * as tf from '@tensorflow/tfjs';
import { gatherColumns, mulColumns, mulColumnsTransposed, outDim, type FrozenMatrix } from './frozen-matrix.js';

/** Per-position inputs of the policy loss (docs/method.md §6.2), flattened over all completion tokens. */
export interface HeadLossSpec {
  /** The frozen lm head M [D, V] (logits = h·M). */
  lmHead: FrozenMatrix;
  /** Target token per position [M]. */
  targets: Int32Array;
  /** Weight of each position's NLL: advantage / (completion length · samples). */
  nllWeight: Float32Array;
  /** Weight of each position's KL: β / (completion length · samples); all 0 when β = 0. */
  klWeight: Float32Array;
  /** Final-normed hidden states of the reference pass (adapters off) [M, D], or null when β = 0. */
  refHidden: tf.Tensor2D | null;
  /** Positions per chunk. */
  chunk: number;
  /** Vocabulary entries per block; default min(⌊2²² / chunk⌋, ⌊2²² / D⌋) (≈16 MB per block tensor), at least 256. */
  vocabBlock?: number;
}

export interface HeadLossStats {
  /** Token NLL per position, filled by the forward pass. */
  nll: Float32Array;
  /** Exact full-vocabulary KL(π‖π_ref) per position (0 when there is no reference). */
  kl: Float32Array;
}

/** Per-row log-sum-exp of policy and reference logits of one position chunk (float64, from the forward pass). */
interface ChunkNorm {
  lse: Float64Array;
  lseRef: Float64Array;
}

function col(v: ArrayLike<number>): tf.Tensor2D {
  return tf.tensor2d(Float32Array.from(v), [v.length, 1]);
}

/**
 * The loss head: Σ_t wN_t·NLL_t + wK_t·KL_t over final-normed hidden states h [M, D], in chunks of positions and,
 * inside each chunk, blocks of the vocabulary (issue 10). Neither [M, V] logits nor a transposed or gradient copy
 * of the [D, V] head is ever alive: each block multiplies against a temporary copy of one block of the head.
 * Forward (online log-sum-exp over blocks, combined in float64):
 *   lse = log Σ_v e^{z_v},  NLL = lse − z_target (z_target = h·M[:, target], a row gather),
 *   KL = E_π[z − z_ref] − (lse − lse_ref).
 * Backward recomputes each block's logits and applies the closed-form gradient
 *   ∂L/∂z = wN·(π − onehot) + wK·π ⊙ (log π − log π_ref − KL),  dh = Σ_blocks (∂L/∂z_b)·M_bᵀ − wN·M[:, target]ᵀ.
 * Gradients flow to h only (the lm head is frozen).
 */
export function chunkedHeadLoss(h: tf.Tensor2D, spec: HeadLossSpec, stats: HeadLossStats): tf.Scalar {
  const { lmHead, targets, nllWeight, klWeight, refHidden, chunk } = spec;
  const M = h.shape[0];
  const V = outDim(lmHead);
  const useKl = refHidden !== null;
  // Default: ≈2²² logits per [chunk, block] tensor and ≈2²² floats per temporary copy of a head block [block, D].
  const D = h.shape[1];
  const block = Math.min(V, Math.max(1, spec.vocabBlock ?? Math.max(256, Math.min(Math.floor(2 ** 22 / Math.max(1, chunk)), Math.floor(2 ** 22 / D)))));
  const norms: ChunkNorm[] = [];

  /** Logits of the policy (and reference) rows of one chunk against vocabulary block [v, v+n), sharing one copy. */
  const blockLogits = (xs: tf.Tensor2D[], v: number, n: number): tf.Tensor2D[] => mulColumns(xs, lmHead, v, n);

  const forwardChunk = (hIn: tf.Tensor2D, s: number, c: number): { nll: Float64Array; kl: Float64Array; norm: ChunkNorm } => {
    const hc = hIn.slice([s, 0], [c, -1]);
    const hr = useKl ? refHidden.slice([s, 0], [c, -1]) : null;
    // Running maximum and scaled sums per row, in float64: Σ e^{z−m}, Σ e^{zr−mr}, Σ e^{z−m}·(z − zr).
    const m = new Float64Array(c).fill(-Infinity);
    const se = new Float64Array(c);
    const mr = new Float64Array(c).fill(-Infinity);
    const ser = new Float64Array(c);
    const a = new Float64Array(c);
    const merge = (mx: Float64Array, sum: Float64Array, bm: ArrayLike<number>, bs: ArrayLike<number>, acc?: Float64Array, ba?: ArrayLike<number>) => {
      for (let i = 0; i < c; i++) {
        const nm = Math.max(mx[i], bm[i]);
        const f0 = Math.exp(mx[i] - nm);
        const f1 = Math.exp(bm[i] - nm);
        sum[i] = sum[i] * f0 + bs[i] * f1;
        if (acc && ba) acc[i] = acc[i] * f0 + ba[i] * f1;
        mx[i] = nm;
      }
    };
    for (let v = 0; v < V; v += block) {
      const n = Math.min(block, V - v);
      const out = tf.tidy(() => {
        const [z, zr] = blockLogits(hr ? [hc, hr] : [hc], v, n);
        const bm = tf.max(z, 1, true);
        const e = tf.exp(tf.sub(z, bm));
        const res = [bm.dataSync(), tf.sum(e, 1).dataSync()];
        if (zr) {
          const bmr = tf.max(zr, 1, true);
          res.push(bmr.dataSync(), tf.sum(tf.exp(tf.sub(zr, bmr)), 1).dataSync(), tf.sum(tf.mul(e, tf.sub(z, zr)), 1).dataSync());
        }
        return res;
      });
      merge(m, se, out[0], out[1], a, out[4]);
      if (useKl) merge(mr, ser, out[2], out[3]);
    }
    const zt = tf.tidy(() => tf.sum(tf.mul(hc, gatherColumns(lmHead, targets.subarray(s, s + c))), 1).dataSync());
    tf.dispose([hc, ...(hr ? [hr] : [])]);
    const lse = new Float64Array(c);
    const lseRef = new Float64Array(c);
    const nll = new Float64Array(c);
    const kl = new Float64Array(c);
    for (let i = 0; i < c; i++) {
      lse[i] = m[i] + Math.log(se[i]);
      nll[i] = lse[i] - zt[i];
      if (useKl) {
        lseRef[i] = mr[i] + Math.log(ser[i]);
        kl[i] = a[i] / se[i] - (m[i] - mr[i] + Math.log(se[i] / ser[i]));
      }
    }
    return { nll, kl, norm: { lse, lseRef } };
  };

  const backwardChunk = (hs: tf.Tensor2D, s: number, c: number): tf.Tensor2D =>
    tf.tidy(() => {
      const hc = hs.slice([s, 0], [c, -1]);
      const hr = useKl ? refHidden.slice([s, 0], [c, -1]) : null;
      const { lse, lseRef } = norms[s / chunk];
      const lseT = col(lse);
      const wN = col(nllWeight.subarray(s, s + c));
      // log π − log π_ref − KL = z − zr − (lse − lse_ref + KL): one per-row constant.
      const shift = useKl ? col(Array.from(lse, (l, i) => l - lseRef[i] + stats.kl[s + i])) : null;
      const wK = useKl ? col(klWeight.subarray(s, s + c)) : null;
      // The one-hot part of ∂NLL/∂z times Mᵀ is a row gather of the head: −wN·M[:, target]ᵀ.
      let dh = tf.neg(tf.mul(gatherColumns(lmHead, targets.subarray(s, s + c)), wN)) as tf.Tensor2D;
      for (let v = 0; v < V; v += block) {
        const n = Math.min(block, V - v);
        const next = tf.tidy(() => {
          const [z, zr] = blockLogits(hr ? [hc, hr] : [hc], v, n);
          const p = tf.exp(tf.sub(z, lseT));
          let g: tf.Tensor = tf.mul(p, wN);
          if (zr) g = tf.add(g, tf.mul(tf.mul(p, tf.sub(tf.sub(z, zr), shift!)), wK!));
          return tf.add(dh, mulColumnsTransposed(g as tf.Tensor2D, lmHead, v, n)) as tf.Tensor2D;
        });
        dh.dispose();
        dh = tf.keep(next);
      }
      return dh;
    });

  const f = tf.customGrad(((hIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([hIn]);
    let total = 0;
    norms.length = 0;
    for (let s = 0; s < M; s += chunk) {
      const c = Math.min(chunk, M - s);
      const r = forwardChunk(hIn as tf.Tensor2D, s, c);
      norms.push(r.norm);
      for (let i = 0; i < c; i++) {
        stats.nll[s + i] = r.nll[i];
        stats.kl[s + i] = r.kl[i];
        total += nllWeight[s + i] * r.nll[i] + klWeight[s + i] * r.kl[i];
      }
    }
    return {
      value: tf.scalar(total),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const hs = saved[0] as tf.Tensor2D;
        const parts: tf.Tensor[] = [];
        for (let s = 0; s < M; s += chunk) parts.push(backwardChunk(hs, s, Math.min(chunk, M - s)));
        const dh = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
        const out = tf.mul(dh, dy);
        tf.dispose(parts); // kept by backwardChunk, so the engine's scope would not free them
        return [out];
      },
    };
  }) as unknown as (...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => { value: tf.Scalar; gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] });
  return f(h) as tf.Scalar;
}

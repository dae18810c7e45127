import * as tf from '@tensorflow/tfjs';
import { mulPlain, mulTransposed, outDim, type FrozenMatrix } from './frozen-matrix.js';

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
  /** Positions per chunk, so only [chunk, V] logits are alive at any time. */
  chunk: number;
}

export interface HeadLossStats {
  /** Token NLL per position, filled by the forward pass. */
  nll: Float32Array;
  /** Exact full-vocabulary KL(π‖π_ref) per position (0 when there is no reference). */
  kl: Float32Array;
}

/** Flat indices t·V + target[t] (gather with batchDims is broken on wasm, docs/runtime.md §1.4 item 2). */
function flatTargets(targets: Int32Array, start: number, count: number, V: number): tf.Tensor1D {
  const idx = new Int32Array(count);
  for (let i = 0; i < count; i++) idx[i] = i * V + targets[start + i];
  return tf.tensor1d(idx, 'int32');
}

/**
 * The loss head: Σ_t wN_t·NLL_t + wK_t·KL_t over final-normed hidden states h [M, D], computed in chunks of
 * positions. The [M, V] logits and their gradient are never materialised: the forward keeps only per-position
 * scalars, and the backward recomputes each chunk's logits and applies the closed-form gradients
 *   ∂NLL/∂z = π − onehot(target),   ∂KL/∂z = π ⊙ (log π − log π_ref − KL)
 * then dh = (∂L/∂z)·W. Gradients flow to h only (the lm head is frozen).
 */
export function chunkedHeadLoss(h: tf.Tensor2D, spec: HeadLossSpec, stats: HeadLossStats): tf.Scalar {
  const { lmHead, targets, nllWeight, klWeight, refHidden, chunk } = spec;
  const M = h.shape[0];
  const V = outDim(lmHead);
  const useKl = refHidden !== null;

  const chunkLogp = (x: tf.Tensor2D, start: number, count: number): tf.Tensor2D =>
    tf.logSoftmax(mulPlain(x.slice([start, 0], [count, -1]), lmHead)) as tf.Tensor2D;

  const f = tf.customGrad(((hIn: tf.Tensor, save: tf.GradSaveFunc) => {
    save([hIn]);
    let total = 0;
    for (let s = 0; s < M; s += chunk) {
      const c = Math.min(chunk, M - s);
      const [nllArr, klArr] = tf.tidy(() => {
        const logp = chunkLogp(hIn as tf.Tensor2D, s, c);
        const nll = tf.neg(tf.gather(logp.reshape([c * V]), flatTargets(targets, s, c, V)));
        let kl: tf.Tensor = tf.zeros([c]);
        if (useKl) {
          const logq = chunkLogp(refHidden, s, c);
          kl = tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, logq)), -1);
        }
        return [nll.dataSync(), kl.dataSync()];
      });
      for (let i = 0; i < c; i++) {
        stats.nll[s + i] = nllArr[i];
        stats.kl[s + i] = klArr[i];
        total += nllWeight[s + i] * nllArr[i] + klWeight[s + i] * klArr[i];
      }
    }
    return {
      value: tf.scalar(total),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const hs = saved[0] as tf.Tensor2D;
        const parts: tf.Tensor[] = [];
        for (let s = 0; s < M; s += chunk) {
          const c = Math.min(chunk, M - s);
          parts.push(
            tf.tidy(() => {
              const logp = chunkLogp(hs, s, c);
              const p = tf.exp(logp);
              const wN = tf.tensor2d(nllWeight.subarray(s, s + c), [c, 1]);
              // oneHot(…, 'float32') returns int32 bits on wasm 4.22 (1 reads as 1.4e-45): build it as int32, then cast.
              const onehot = tf.cast(tf.oneHot(tf.tensor1d(targets.subarray(s, s + c), 'int32'), V), 'float32');
              let g = tf.mul(tf.sub(p, onehot), wN);
              if (useKl) {
                const logq = chunkLogp(refHidden, s, c);
                const wK = tf.tensor2d(klWeight.subarray(s, s + c), [c, 1]);
                const klc = tf.tensor2d(stats.kl.subarray(s, s + c), [c, 1]);
                g = tf.add(g, tf.mul(tf.mul(p, tf.sub(tf.sub(logp, logq), klc)), wK));
              }
              return mulTransposed(g as tf.Tensor2D, lmHead); // dh = g·Mᵀ
            }),
          );
        }
        const dh = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
        return [tf.mul(dh, dy)];
      },
    };
  }) as unknown as (...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => { value: tf.Scalar; gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] });
  return f(h) as tf.Scalar;
}

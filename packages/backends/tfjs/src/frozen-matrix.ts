import * as tf from '@tensorflow/tfjs';
import { EvolmmError } from '@evolmm/core';

/**
 * How frozen weight matrices are kept in memory (measured on tfjs-backend-wasm 4.22, 2-core VM):
 * - `'fast'`: stored as the right operand of a plain matMul. ~10× faster (25.8 vs 2.7 GFLOP/s at 128×896×4864),
 *   but XNNPACK caches a packed copy of every such matrix for the tensor's lifetime: **2× weight memory**.
 * - `'compact'`: stored in the HF layout and multiplied with transposeB (no packed copy, slow kernel).
 * The wasm heap is 32-bit (4 GB), so 'auto' picks 'fast' when twice the weights fit with room for activations.
 */
export type WeightLayout = 'fast' | 'compact';

/** Above this many elements, compact-layout gradients multiply in row blocks of about this size. */
const SLICE_ELEMENTS = 2 ** 24;

/** A frozen matrix M used as x·M, with M logically [in, out]. */
export interface FrozenMatrix {
  /** 'fast': M [in, out]; 'compact': Mᵀ [out, in]. */
  readonly t: tf.Tensor2D;
  readonly layout: WeightLayout;
}

/** Builds M from the HF-layout tensor Mᵀ [out, in] (which it takes ownership of). */
export function frozenFromHf(hf: tf.Tensor2D, layout: WeightLayout): FrozenMatrix {
  if (layout === 'compact') return { t: hf, layout };
  const t = tf.transpose(hf);
  hf.dispose();
  return { t, layout };
}

export function inDim(m: FrozenMatrix): number {
  return m.layout === 'fast' ? m.t.shape[0] : m.t.shape[1];
}

export function outDim(m: FrozenMatrix): number {
  return m.layout === 'fast' ? m.t.shape[1] : m.t.shape[0];
}

/**
 * g·Mᵀ without a transposeB matMul on the fast layout (two cheap transposes), and with a temporary copy on the
 * compact one (so the packed copy XNNPACK makes is freed with it instead of cached beside the weight).
 */
export function mulTransposed(g: tf.Tensor2D, m: FrozenMatrix): tf.Tensor2D {
  if (m.layout === 'fast') return tf.transpose(tf.matMul(m.t, tf.transpose(g))) as tf.Tensor2D;
  const [rows, cols] = m.t.shape;
  if (rows * cols > SLICE_ELEMENTS) {
    // A large matrix (the lm head): a packed copy of all of it would not fit beside the weights, so multiply
    // row blocks; each block is a temporary tensor whose packed copy is freed with it.
    const step = Math.max(1, Math.floor(SLICE_ELEMENTS / cols));
    let acc: tf.Tensor2D | null = null;
    for (let r = 0; r < rows; r += step) {
      const n = Math.min(step, rows - r);
      const part = tf.tidy(() => tf.matMul(g.slice([0, r], [-1, n]), m.t.slice([r, 0], [n, cols])) as tf.Tensor2D);
      if (acc) {
        const next: tf.Tensor2D = tf.add(acc, part);
        tf.dispose([acc, part]);
        acc = next;
      } else acc = part;
    }
    return acc!;
  }
  // A real copy (slice allocates), not tf.clone: a clone shares the weight's buffer id, so XNNPACK's packed copy
  // would be cached under the weight for its lifetime (measured: +1 weight set on the 0.5B model, heap abort).
  return withCopy(m.t.slice([0, 0], [rows, cols]), (tmp) => tf.matMul(g, tmp) as tf.Tensor2D);
}

/** Runs f on a temporary tensor and frees it (with any packed copy XNNPACK cached for it). */
function withCopy<T>(tmp: tf.Tensor2D, f: (t: tf.Tensor2D) => T): T {
  try {
    return f(tmp);
  } finally {
    tmp.dispose();
  }
}

/**
 * x·M[:, start:start+n] for each x (logits of one vocabulary block) through one temporary [in, n] copy of the
 * block, so the plain (packed, fast) matMul kernel runs, packs the block once for all xs, and frees the packed copy
 * with the block.
 */
export function mulColumns(xs: readonly tf.Tensor2D[], m: FrozenMatrix, start: number, n: number): tf.Tensor2D[] {
  const block = m.layout === 'fast' ? m.t.slice([0, start], [-1, n]) : tf.tidy(() => tf.transpose(m.t.slice([start, 0], [n, -1])) as tf.Tensor2D);
  return withCopy(block as tf.Tensor2D, (b) => xs.map((x) => tf.matMul(x, b) as tf.Tensor2D));
}

/** g·M[:, start:start+n]ᵀ for g [rows, n]: the input gradient of mulColumns, with temporary copies only. */
export function mulColumnsTransposed(g: tf.Tensor2D, m: FrozenMatrix, start: number, n: number): tf.Tensor2D {
  if (m.layout === 'fast') {
    return withCopy(tf.transpose(g) as tf.Tensor2D, (gt) =>
      withCopy(m.t.slice([0, start], [-1, n]) as tf.Tensor2D, (b) => tf.tidy(() => tf.transpose(tf.matMul(b, gt)) as tf.Tensor2D)),
    );
  }
  return withCopy(m.t.slice([start, 0], [n, -1]) as tf.Tensor2D, (b) => tf.matMul(g, b) as tf.Tensor2D);
}

/**
 * From this many rows of x on, a compact-layout x·M transposes the weight into a temporary and runs the plain
 * kernel (the transpose and XNNPACK's packing cost about one pass over the weight; the transposeB kernel is ~10×
 * slower per FLOP, so this pays off for prefill and training but not for few-row decode steps).
 */
export const STREAM_MIN_ROWS = 16;

/** x·M (forward only, no gradient bookkeeping). */
export function mulPlain(x: tf.Tensor2D, m: FrozenMatrix): tf.Tensor2D {
  if (m.layout === 'fast') return tf.matMul(x, m.t) as tf.Tensor2D;
  const [rows, cols] = m.t.shape;
  if (x.shape[0] < STREAM_MIN_ROWS) return tf.matMul(x, m.t, false, true) as tf.Tensor2D;
  if (rows * cols <= SLICE_ELEMENTS) return withCopy(tf.transpose(m.t) as tf.Tensor2D, (t) => tf.matMul(x, t) as tf.Tensor2D);
  // The lm head: column blocks, so only one block's transposed and packed copies exist at a time.
  const step = Math.max(1, Math.floor(SLICE_ELEMENTS / cols));
  const parts: tf.Tensor2D[] = [];
  try {
    for (let r = 0; r < rows; r += step) parts.push(...mulColumns([x], m, r, Math.min(step, rows - r)));
    return tf.concat(parts, 1);
  } finally {
    tf.dispose(parts);
  }
}

/** x·M with a gradient for x only (dx = dy·Mᵀ via mulTransposed); the frozen M gets none. */
export function frozenMatMul(x: tf.Tensor2D, m: FrozenMatrix): tf.Tensor2D {
  const op = tf.customGrad(((xIn: tf.Tensor) => ({
    value: mulPlain(xIn as tf.Tensor2D, m),
    gradFunc: (dy: tf.Tensor) => [mulTransposed(dy as tf.Tensor2D, m)],
  })) as unknown as (...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor) => tf.Tensor[] });
  return (op as unknown as (x: tf.Tensor) => tf.Tensor)(x) as tf.Tensor2D;
}

/** Columns `ids` of M as rows [n, in]: the tied embedding lookup (M = embeddingᵀ). */
export function gatherColumns(m: FrozenMatrix, ids: Int32Array): tf.Tensor2D {
  if (m.layout === 'compact') {
    const rows = heapRows(m.t, ids);
    if (rows) return rows;
  }
  const idx = tf.tensor1d(ids, 'int32');
  return m.layout === 'fast' ? (tf.transpose(tf.gather(m.t, idx, 1)) as tf.Tensor2D) : (tf.gather(m.t, idx) as tf.Tensor2D);
}

/**
 * Rows `ids` of a float32 matrix copied straight out of the wasm heap, or null off wasm. tfjs-backend-wasm 4.22's
 * gather over the 0.5B model's [151936, 896] embedding took about 1 s per lookup of a few ids (kernel profile: the
 * whole table is copied), against microseconds for the rows themselves. The embedding is frozen, so the lookup
 * needs no gradient.
 */
function heapRows(t: tf.Tensor2D, ids: Int32Array): tf.Tensor2D | null {
  if (tf.getBackend() !== 'wasm' || t.dtype !== 'float32') return null;
  const backend = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array };
  if (typeof backend.typedArrayFromHeap !== 'function') return null;
  const [V, D] = t.shape;
  const src = backend.typedArrayFromHeap(t);
  const out = new Float32Array(ids.length * D);
  ids.forEach((id, i) => {
    if (!(id >= 0 && id < V)) throw new EvolmmError('INVALID_ARGUMENT', `token id ${id} is outside the vocabulary [0, ${V}); check the tokenizer matches the model`);
    out.set(src.subarray(id * D, (id + 1) * D), i * D);
  });
  return tf.tensor2d(out, [ids.length, D]);
}

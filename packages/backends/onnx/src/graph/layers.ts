import { EvolmmError } from '@evolmm/core';
import type { WeightStore } from '@evolmm/qwen-vl';
import type { GraphBuilder } from './graph-builder.js';

/** What graph builders read weights from: a qwen-vl WeightStore, possibly with a LoRA adapter merged in. */
export type WeightSource = Pick<WeightStore, 'has' | 'info' | 'readFloat32'>;

/** Reads a weight and checks its shape, so a wrong checkpoint fails with the tensor's name, not inside ORT. */
export function readWeight(src: WeightSource, name: string, shape: readonly number[]): Float32Array {
  if (!src.has(name)) {
    throw new EvolmmError('MODEL_FORMAT', `weight '${name}' is missing from the checkpoint; expected shape [${shape}]`);
  }
  const info = src.info(name);
  const numel = shape.reduce((a, b) => a * b, 1);
  const found = info.shape.reduce((a, b) => a * b, 1);
  if (found !== numel) {
    throw new EvolmmError(
      'MODEL_FORMAT',
      `weight '${name}' has shape [${info.shape}] but config.json implies [${shape}]; is config.json from this checkpoint?`,
    );
  }
  return src.readFloat32(name);
}

/** y = x·Wᵀ (+ b). Bias is added when the checkpoint has `<prefix>.bias`. */
export function linear(g: GraphBuilder, src: WeightSource, x: string, prefix: string, inDim: number, outDim: number): string {
  let y = g.matmulWeight(x, `${prefix}.weight`, readWeight(src, `${prefix}.weight`, [outDim, inDim]), inDim, outDim);
  if (src.has(`${prefix}.bias`)) y = g.op('Add', [y, g.weight(`${prefix}.bias`, [outDim], readWeight(src, `${prefix}.bias`, [outDim]))]);
  return y;
}

/** Qwen2RMSNorm: x / sqrt(mean(x²) + eps) · w, in fp32 (docs/runtime.md §3.3). */
export function rmsNorm(g: GraphBuilder, src: WeightSource, x: string, name: string, dim: number, eps: number): string {
  const ms = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: { ints: [-1] }, keepdims: { i: 1 } });
  const denom = g.op('Sqrt', [g.op('Add', [ms, g.f32([eps], [])])]);
  const w = g.weight(name, [dim], readWeight(src, name, [dim]));
  return g.op('Mul', [g.op('Div', [x, denom]), w]);
}

/** nn.LayerNorm with weight and bias (Qwen2-VL vision, docs/runtime.md §3.2). */
export function layerNorm(g: GraphBuilder, src: WeightSource, x: string, prefix: string, dim: number, eps: number): string {
  const w = g.weight(`${prefix}.weight`, [dim], readWeight(src, `${prefix}.weight`, [dim]));
  const b = g.weight(`${prefix}.bias`, [dim], readWeight(src, `${prefix}.bias`, [dim]));
  return g.op('LayerNormalization', [x, w, b], { axis: { i: -1 }, epsilon: { f: eps } });
}

/** rotate_half(x) = concat(−x[d/2:], x[:d/2]) on the last axis, then x·cos + rotate_half(x)·sin. */
export function applyRotary(g: GraphBuilder, x: string, cos: string, sin: string, dim: number): string {
  const half = dim / 2;
  const x1 = g.op('Slice', [x, g.i64([0]), g.i64([half]), g.i64([-1])]);
  const x2 = g.op('Slice', [x, g.i64([half]), g.i64([dim]), g.i64([-1])]);
  const rot = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: { i: -1 } });
  return g.op('Add', [g.op('Mul', [x, cos]), g.op('Mul', [rot, sin])]);
}

/** Most negative float32: HF's masking value (torch.finfo(float32).min). */
export const MASK_VALUE = -3.4028234663852886e38;

/**
 * Softmax(q·kᵀ·scale masked by `allowed`)·v with fp32 softmax and scale head_dim^-0.5 (docs/runtime.md §3.2–3.3).
 * q [.., s, d], k/v [.., t, d] of rank 3 (vision: [heads, t, d]) or 4 (decoder: [b, heads, t, d]); `allowed` is a
 * boolean mask broadcastable to [.., s, t].
 */
export function attention(
  g: GraphBuilder,
  q: string,
  k: string,
  v: string,
  allowed: string,
  headDim: number,
  rank: 3 | 4 | 5,
): string {
  const kt = g.op('Transpose', [k], { perm: { ints: rank === 3 ? [0, 2, 1] : rank === 4 ? [0, 1, 3, 2] : [0, 1, 2, 4, 3] } });
  let scores = g.op('MatMul', [q, kt]);
  scores = g.op('Mul', [scores, g.f32([1 / Math.sqrt(headDim)], [])]);
  scores = g.op('Where', [allowed, scores, g.f32([MASK_VALUE], [])]);
  const p = g.op('Softmax', [scores], { axis: { i: -1 } });
  return g.op('MatMul', [p, v]);
}

/**
 * Decoder attention over the cache and this call's rows, without concatenating them first: scores against `past`
 * and against the new keys are joined (a small [.., s, past + s] tensor), one softmax, then each part multiplies its
 * values and the two are added. The cache is read once by each product and never copied, so a runner that keeps the
 * cache in place (and skips the `present` outputs) pays nothing per step for its length beyond reading it.
 *
 * Grouped-query layout: q [b, kvh, rep, s, hd] against k/v [b, kvh, 1, t, hd] (rank 5; MatMul broadcasts the cache
 * over the query heads of a KV head instead of repeating it), or q [b, nH, s, hd] against [b, nH, t, hd] (rank 4).
 * `allowed` is broadcastable to [.., s, past + s]; `pastLen` and `total` are int64 [1].
 */
export function cachedAttention(
  g: GraphBuilder,
  q: string,
  cache: { key: string; value: string },
  fresh: { key: string; value: string },
  allowed: string,
  lengths: { pastLen: string; total: string },
  headDim: number,
  rank: 4 | 5,
): string {
  const perm = rank === 4 ? [0, 1, 3, 2] : [0, 1, 2, 4, 3];
  const scoresPast = g.op('MatMul', [q, g.op('Transpose', [cache.key], { perm: { ints: perm } })]);
  const scoresNew = g.op('MatMul', [q, g.op('Transpose', [fresh.key], { perm: { ints: perm } })]);
  let scores = g.op('Concat', [scoresPast, scoresNew], { axis: { i: -1 } });
  scores = g.op('Mul', [scores, g.f32([1 / Math.sqrt(headDim)], [])]);
  scores = g.op('Where', [allowed, scores, g.f32([MASK_VALUE], [])]);
  const p = g.op('Softmax', [scores], { axis: { i: -1 } });
  const pPast = g.op('Slice', [p, g.i64([0]), lengths.pastLen, g.i64([-1])]);
  const pNew = g.op('Slice', [p, lengths.pastLen, lengths.total, g.i64([-1])]);
  return g.op('Add', [g.op('MatMul', [pPast, cache.value]), g.op('MatMul', [pNew, fresh.value])]);
}

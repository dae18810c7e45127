import * as tf from '@tensorflow/tfjs';
import { cuSeqlens, visionRotaryPositions, windowIndex, type QwenVLConfig } from '@evolmm/qwen-vl';
import { activation, applyRope, geluErf, layerNorm, linear, rmsNorm } from './layers.js';
import { visionRopeTables } from './rope.js';
import type { NormWeights, VisionBlockWeights, VisionWeights } from './weights.js';

const VISION_EPS = 1e-6;

function norm(x: tf.Tensor, n: NormWeights, isV25: boolean): tf.Tensor {
  return isV25 ? rmsNorm(x, n.w, VISION_EPS) : layerNorm(x, n.w, n.b, VISION_EPS);
}

/** Non-causal attention inside each [bounds[i], bounds[i+1]) segment (windows or whole images). */
function segmentAttention(
  x: tf.Tensor2D,
  blk: VisionBlockWeights,
  numHeads: number,
  cos: tf.Tensor,
  sin: tf.Tensor,
  bounds: readonly number[],
): tf.Tensor2D {
  const [N, D] = x.shape;
  const hd = D / numHeads;
  const qkv = linear(x, blk.qkv).reshape([N, 3, numHeads, hd]);
  const [q0, k0, v0] = tf.unstack(qkv, 1) as tf.Tensor3D[]; // [N, heads, hd]
  const q = applyRope(q0, cos, sin).transpose([1, 0, 2]); // [heads, N, hd]
  const k = applyRope(k0, cos, sin).transpose([1, 0, 2]);
  const v = v0.transpose([1, 0, 2]);
  const scale = 1 / Math.sqrt(hd);
  const parts: tf.Tensor[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const s = bounds[i];
    const len = bounds[i + 1] - s;
    if (len <= 0) continue;
    const qs = q.slice([0, s, 0], [numHeads, len, hd]);
    const ks = k.slice([0, s, 0], [numHeads, len, hd]);
    const vs = v.slice([0, s, 0], [numHeads, len, hd]);
    const p = tf.softmax(tf.mul(tf.matMul(qs, ks, false, true), scale));
    parts.push(tf.matMul(p, vs));
  }
  const o = (parts.length === 1 ? parts[0] : tf.concat(parts, 1)).transpose([1, 0, 2]).reshape([N, D]);
  return linear(o, blk.proj) as tf.Tensor2D;
}

/**
 * Encodes the patchified pixels of one or more images into merged visual tokens [Σ t·h·w/4, text hidden]
 * (docs/runtime.md §3.2). Frozen: callers run it outside any gradient tape.
 */
export function encodeImages(
  w: VisionWeights,
  cfg: QwenVLConfig,
  pixelValues: Float32Array,
  grids: Array<[number, number, number]>,
): tf.Tensor2D {
  const v = cfg.vision;
  const isV25 = cfg.variant === 'qwen2.5-vl';
  const merge = v.spatialMergeSize;
  const unit = merge * merge;
  const patchIn = w.patch.shape[0];
  const N = pixelValues.length / patchIn;
  const hd = v.embedDim / v.numHeads;
  return tf.tidy(() => {
    let x = tf.matMul(tf.tensor2d(pixelValues, [N, patchIn]), w.patch) as tf.Tensor2D; // [N, D]
    const { hpos, wpos } = visionRotaryPositions(grids, merge);
    const rope = visionRopeTables(hpos, wpos, hd);
    let cosArr = rope.cos;
    let sinArr = rope.sin;
    const full = cuSeqlens(grids);
    let windowBounds = full;
    let revIndex: Int32Array | null = null;
    if (isV25 && v.windowSize) {
      // Reorder merged tokens window by window; activations and rotary tables alike (§3.2).
      const wi = windowIndex(grids, { windowSize: v.windowSize, patchSize: v.patchSize, mergeSize: merge });
      const idx = tf.tensor1d(wi.windowIndex, 'int32');
      x = tf.gather(x.reshape([N / unit, unit * v.embedDim]), idx).reshape([N, v.embedDim]) as tf.Tensor2D;
      cosArr = permuteRows(cosArr, wi.windowIndex, unit * hd);
      sinArr = permuteRows(sinArr, wi.windowIndex, unit * hd);
      windowBounds = wi.cuWindowSeqlens;
      revIndex = new Int32Array(wi.windowIndex.length);
      wi.windowIndex.forEach((src, dst) => {
        revIndex![src] = dst;
      });
    }
    const cos = tf.tensor3d(cosArr, [N, 1, hd]);
    const sin = tf.tensor3d(sinArr, [N, 1, hd]);
    const fullSet = new Set(isV25 ? v.fullattBlockIndexes : []);
    w.blocks.forEach((blk, i) => {
      const bounds = !isV25 || fullSet.has(i) ? full : windowBounds;
      x = tf.add(x, segmentAttention(norm(x, blk.norm1, isV25) as tf.Tensor2D, blk, v.numHeads, cos, sin, bounds)) as tf.Tensor2D;
      const n2 = norm(x, blk.norm2, isV25);
      const mlp = isV25
        ? linear(tf.mul(activation(v.hiddenAct, linear(n2, blk.mlp.gate_proj)), linear(n2, blk.mlp.up_proj)), blk.mlp.down_proj)
        : linear(activation(v.hiddenAct, linear(n2, blk.mlp.fc1)), blk.mlp.fc2);
      x = tf.add(x, mlp) as tf.Tensor2D;
    });
    const merged = norm(x, w.merger.lnQ, isV25).reshape([N / unit, unit * v.embedDim]);
    let out = linear(geluErf(linear(merged, w.merger.fc1)), w.merger.fc2) as tf.Tensor2D;
    if (revIndex) out = tf.gather(out, tf.tensor1d(revIndex, 'int32')) as tf.Tensor2D;
    return out;
  });
}

/** Rows of `rowSize` floats reordered: out[i] = src[index[i]]. */
function permuteRows(src: Float32Array, index: Int32Array, rowSize: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < index.length; i++) out.set(src.subarray(index[i] * rowSize, (index[i] + 1) * rowSize), i * rowSize);
  return out;
}

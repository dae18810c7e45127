import * as tf from '@tensorflow/tfjs';
import { EvolmmError } from '@evolmm/core';
import { frozenMatMul, inDim, outDim, type FrozenMatrix } from './frozen-matrix.js';

/** A frozen Linear layer y = x·Wᵀ + b; W is kept as a FrozenMatrix M = Wᵀ (see frozen-matrix.ts). */
export interface Linear {
  m: FrozenMatrix;
  b?: tf.Tensor1D;
}

/** y = x·Wᵀ + b over the last axis of x (any rank). */
export function linear(x: tf.Tensor, l: Linear): tf.Tensor {
  const lead = x.shape.slice(0, -1);
  let y: tf.Tensor = frozenMatMul(x.reshape([-1, inDim(l.m)]) as tf.Tensor2D, l.m);
  if (l.b) y = tf.add(y, l.b);
  return y.reshape([...lead, outDim(l.m)]);
}

/** RMSNorm with fp32 variance (everything is fp32 here): x · rsqrt(mean(x²) + eps) · w. */
export function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  const variance = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), w);
}

/** LayerNorm over the last axis (Qwen2-VL vision tower). */
export function layerNorm(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, eps: number): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  const y = tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), w);
  return b ? tf.add(y, b) : y;
}

/** Exact GELU 0.5·x·(1 + erf(x/√2)) (the merger's nn.GELU()). */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/** QuickGELU x·σ(1.702x) (Qwen2-VL vision MLP). */
export function quickGelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
}

export function activation(name: string, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'silu':
    case 'swish':
      return tf.mul(x, tf.sigmoid(x));
    case 'quick_gelu':
      return quickGelu(x);
    case 'gelu':
      return geluErf(x);
    case 'gelu_pytorch_tanh':
    case 'gelu_new': {
      const c = Math.sqrt(2 / Math.PI);
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), c)), 1));
    }
    default:
      throw new EvolmmError('UNSUPPORTED', `vision hidden_act '${name}' is not supported; expected silu, quick_gelu, gelu or gelu_pytorch_tanh`);
  }
}

/** rotate_half(x) = concat(−x[d/2:], x[:d/2]) over the last axis. */
export function rotateHalf(x: tf.Tensor): tf.Tensor {
  const d = x.shape[x.shape.length - 1];
  const [x1, x2] = tf.split(x, [d / 2, d / 2], -1);
  return tf.concat([tf.neg(x2), x1], -1);
}

/** x·cos + rotate_half(x)·sin; cos/sin broadcast against x's trailing [T, d] (or [N, 1, d]). */
export function applyRope(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(x, cos), tf.mul(rotateHalf(x), sin));
}

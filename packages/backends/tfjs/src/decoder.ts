import * as tf from '@tensorflow/tfjs';
import { EvolmmError } from '@evolmm/core';
import type { QwenTextConfig } from '@evolmm/qwen-vl';
import { applyRope, linear, rmsNorm, type Linear } from './layers.js';
import { recomputedLayer } from './recompute.js';
import { inDim, mulPlain } from './frozen-matrix.js';
import { DropoutSource, loraScale, moduleKey, type LoraAdapter, type LoraProjection } from './lora.js';
import { embedTokens, type DecoderLayerWeights, type TextWeights } from './weights.js';

/** Keys (after RoPE) and values of one layer: [batch, kvHeads, seq, headDim]. */
export type LayerKV = {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
};

export interface DecoderRun {
  /** [B, T, D] input embeddings of the new tokens. */
  x: tf.Tensor3D;
  /** [T, headDim] M-RoPE tables of the new tokens (all batch rows share positions). */
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
  /**
   * A shared prefix per layer with batch 1 (the prompt), attended by every batch row without being copied:
   * the prompt KV cache is computed once and shared across the N samples.
   */
  prefix?: LayerKV[];
  /** Per-row history per layer (batch B), e.g. tokens generated so far. */
  past?: LayerKV[];
  /** Active adapter, or none for the base model / reference pass. */
  lora?: LoraAdapter;
  /** LoRA dropout (training only). */
  dropout?: DropoutSource;
  /** Keep only each layer's inputs on the tape and recompute its activations in the backward pass. */
  recompute?: boolean;
}

export interface DecoderOut {
  /** [B, T, D] hidden states before the final norm. */
  hidden: tf.Tensor3D;
  /** past + new keys/values per layer (batch B); the shared prefix is not included. */
  kv: LayerKV[];
}

function projection(
  x: tf.Tensor,
  base: Linear,
  layer: number,
  proj: LoraProjection,
  lora: LoraAdapter | undefined,
  dropout: DropoutSource | undefined,
): tf.Tensor {
  const y = linear(x, base);
  const m = lora?.modules.get(moduleKey(layer, proj));
  if (!lora || !m) return y;
  // y + (α/r)·dropout(x)·Aᵀ·Bᵀ (PEFT LoRA forward).
  const xin = dropout && dropout.p > 0 ? tf.mul(x, dropout.mask(x.shape)) : x;
  const inDim = x.shape[x.shape.length - 1];
  const delta = tf.matMul(tf.matMul(xin.reshape([-1, inDim]), m.a), m.b); // a = Aᵀ [in, r], b = Bᵀ [r, out]
  return tf.add(y, tf.mul(delta, loraScale(lora)).reshape(y.shape));
}

/** Additive causal mask [rep·T, g+T] for T new tokens after g own past tokens (row r·T+t sees keys ≤ g+t). */
function causalMask(T: number, g: number, rep: number): tf.Tensor2D {
  const S = g + T;
  const m = new Float32Array(rep * T * S);
  for (let r = 0; r < rep; r++) {
    for (let t = 0; t < T; t++) {
      const row = (r * T + t) * S;
      for (let j = g + t + 1; j < S; j++) m[row + j] = -1e9;
    }
  }
  return tf.tensor2d(m, [rep * T, S]);
}

/**
 * Causal GQA attention of new queries over [shared prefix (batch 1)] + [own past] + [new keys]. GQA is done by
 * reshaping queries to [B, kvh, rep·T, hd] (heads repeat each KV head contiguously, §3.3), so K/V are never
 * repeated in memory.
 */
function attention(
  q: tf.Tensor4D, // [B, H, T, hd] (roped)
  own: LayerKV, // [B, kvh, g+T, hd]
  prefix: LayerKV | undefined, // [1, kvh, P, hd]
  cfg: QwenTextConfig,
): tf.Tensor3D {
  const [B, H, T, hd] = q.shape;
  const kvh = cfg.numKeyValueHeads;
  const rep = H / kvh;
  const S = own.k.shape[2];
  const g = S - T;
  const qs = tf.mul(q, 1 / Math.sqrt(hd)).reshape([B, kvh, rep * T, hd]);
  let ownK = own.k;
  let ownV = own.v;
  let P = 0;
  let sharedPrefix: LayerKV | undefined;
  if (prefix) {
    P = prefix.k.shape[2];
    if (B === 1) {
      ownK = tf.concat([prefix.k, ownK], 2);
      ownV = tf.concat([prefix.v, ownV], 2);
    } else sharedPrefix = prefix;
  }
  let scores = tf.matMul(qs, ownK, false, true); // [B, kvh, rep·T, (P)+S]
  if (T > 1) {
    const mask = causalMask(T, B === 1 ? g + P : g, rep);
    scores = tf.add(scores, mask);
  }
  if (sharedPrefix) {
    // Batch rows become extra query rows against the single prefix: [kvh, B·rep·T, hd] × [kvh, P, hd]ᵀ.
    const qp = qs.transpose([1, 0, 2, 3]).reshape([kvh, B * rep * T, hd]);
    const sp = tf
      .matMul(qp, sharedPrefix.k.reshape([kvh, P, hd]), false, true)
      .reshape([kvh, B, rep * T, P])
      .transpose([1, 0, 2, 3]);
    scores = tf.concat([sp, scores], 3);
  }
  const probs = tf.softmax(scores);
  let out: tf.Tensor;
  if (sharedPrefix) {
    const [pp, po] = tf.split(probs, [P, S], 3);
    const fromPrefix = tf
      .matMul(pp.transpose([1, 0, 2, 3]).reshape([kvh, B * rep * T, P]), sharedPrefix.v.reshape([kvh, P, hd]))
      .reshape([kvh, B, rep * T, hd])
      .transpose([1, 0, 2, 3]);
    out = tf.add(fromPrefix, tf.matMul(po, ownV));
  } else {
    out = tf.matMul(probs, ownV);
  }
  // [B, kvh, rep·T, hd] → [B, H, T, hd] → [B, T, H·hd]
  return out.reshape([B, H, T, hd]).transpose([0, 2, 1, 3]).reshape([B, T, H * hd]) as tf.Tensor3D;
}

/** One pre-norm decoder layer. Returns the new hidden states and this layer's own KV (past + new). */
export function decoderLayer(
  x: tf.Tensor3D,
  w: DecoderLayerWeights,
  layer: number,
  run: DecoderRun,
  cfg: QwenTextConfig,
): { x: tf.Tensor3D; kv: LayerKV } {
  const [B, T] = x.shape;
  const hd = cfg.headDim;
  const H = cfg.numAttentionHeads;
  const kvh = cfg.numKeyValueHeads;
  const { lora, dropout } = run;
  const h = rmsNorm(x, w.inputNorm, cfg.rmsNormEps);
  const q = projection(h, w.q_proj, layer, 'q_proj', lora, dropout).reshape([B, T, H, hd]).transpose([0, 2, 1, 3]);
  const k = projection(h, w.k_proj, layer, 'k_proj', lora, dropout).reshape([B, T, kvh, hd]).transpose([0, 2, 1, 3]);
  const v = projection(h, w.v_proj, layer, 'v_proj', lora, dropout).reshape([B, T, kvh, hd]).transpose([0, 2, 1, 3]);
  const qr = applyRope(q, run.cos, run.sin) as tf.Tensor4D;
  const kr = applyRope(k, run.cos, run.sin) as tf.Tensor4D;
  const past = run.past?.[layer];
  const own: LayerKV = past
    ? { k: tf.concat([past.k, kr], 2), v: tf.concat([past.v, v as tf.Tensor4D], 2) }
    : { k: kr, v: v as tf.Tensor4D };
  const attn = attention(qr, own, run.prefix?.[layer], cfg);
  const x1 = tf.add(x, projection(attn, w.o_proj, layer, 'o_proj', lora, dropout)) as tf.Tensor3D;
  const h2 = rmsNorm(x1, w.postNorm, cfg.rmsNormEps);
  const gate = projection(h2, w.gate_proj, layer, 'gate_proj', lora, dropout);
  const up = projection(h2, w.up_proj, layer, 'up_proj', lora, dropout);
  const act = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
  const x2 = tf.add(x1, projection(act, w.down_proj, layer, 'down_proj', lora, dropout)) as tf.Tensor3D;
  return { x: x2, kv: own };
}

/** All decoder layers (no final norm). */
export function runDecoder(w: TextWeights, run: DecoderRun, cfg: QwenTextConfig): DecoderOut {
  let x = run.x;
  const kv: LayerKV[] = [];
  w.layers.forEach((lw, i) => {
    const r = run.recompute ? recomputedLayer(x, lw, i, run, cfg) : decoderLayer(x, lw, i, run, cfg);
    x = r.x;
    kv.push(r.kv);
  });
  return { hidden: x, kv };
}

/** Final RMSNorm then lm head: [..., D] → [..., V]. */
export function lmLogits(w: TextWeights, hidden: tf.Tensor, cfg: QwenTextConfig): tf.Tensor {
  const n = rmsNorm(hidden, w.norm, cfg.rmsNormEps);
  const D = cfg.hiddenSize;
  const lead = n.shape.slice(0, -1);
  return mulPlain(n.reshape([-1, D]) as tf.Tensor2D, w.lmHead).reshape([...lead, cfg.vocabSize]);
}

/**
 * Input embeddings [1, P, D] for a prepared prompt: token embeddings with the image-token rows replaced by the
 * visual features, in order (one gather over [embeddings; features]).
 */
export function promptEmbeddings(
  w: TextWeights,
  inputIds: Int32Array,
  imageTokenId: number,
  visual: tf.Tensor2D | null,
): tf.Tensor3D {
  const P = inputIds.length;
  const D = inDim(w.lmHead);
  const emb = embedTokens(w, inputIds);
  if (!visual) return emb.reshape([1, P, D]) as tf.Tensor3D;
  const idx = new Int32Array(P);
  let k = 0;
  for (let i = 0; i < P; i++) idx[i] = inputIds[i] === imageTokenId ? P + k++ : i;
  if (k !== visual.shape[0]) {
    throw new EvolmmError(
      'INVALID_ARGUMENT',
      `the prompt has ${k} <|image_pad|> tokens but the vision tower produced ${visual.shape[0]} features; prepare prompts with the model's processor`,
    );
  }
  const all = tf.concat([emb, visual], 0);
  return tf.gather(all, tf.tensor1d(idx, 'int32')).reshape([1, P, D]) as tf.Tensor3D;
}

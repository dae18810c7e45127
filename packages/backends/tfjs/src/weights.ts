import * as tf from '@tensorflow/tfjs';
import { EvolmmError } from '@evolmm/core';
import type { QwenVLConfig, WeightStore } from '@evolmm/qwen-vl';
import { frozenFromHf, gatherColumns, type FrozenMatrix, type WeightLayout } from './frozen-matrix.js';
import type { Linear } from './layers.js';

export interface DecoderLayerWeights {
  inputNorm: tf.Tensor1D;
  postNorm: tf.Tensor1D;
  q_proj: Linear;
  k_proj: Linear;
  v_proj: Linear;
  o_proj: Linear;
  gate_proj: Linear;
  up_proj: Linear;
  down_proj: Linear;
}

export interface TextWeights {
  /** Embedding rows [V, D] when the lm head is untied; null when tied (lookups then read the head's columns). */
  embedRows: tf.Tensor2D | null;
  layers: DecoderLayerWeights[];
  norm: tf.Tensor1D;
  /** The lm head as M [D, V] (logits = h·M); with tied embeddings also the embedding table. */
  lmHead: FrozenMatrix;
}

/** Token embeddings [T, D]: rows of the embedding, or columns of the tied lm head. */
export function embedTokens(w: TextWeights, ids: Int32Array): tf.Tensor2D {
  if (w.embedRows) return tf.gather(w.embedRows, tf.tensor1d(ids, 'int32')) as tf.Tensor2D;
  return gatherColumns(w.lmHead, ids);
}

export interface NormWeights {
  w: tf.Tensor1D;
  b?: tf.Tensor1D;
}

export interface VisionBlockWeights {
  norm1: NormWeights;
  norm2: NormWeights;
  qkv: Linear;
  proj: Linear;
  /** Qwen2.5-VL: gate/up/down (SwiGLU with biases). Qwen2-VL: fc1/fc2. */
  mlp: Record<string, Linear>;
}

export interface VisionWeights {
  /** Conv3d weight viewed [D, C·T·P·P] and transposed to [C·T·P·P, D]: the patch embed is a matMul (§1.4 item 3). */
  patch: tf.Tensor2D;
  blocks: VisionBlockWeights[];
  merger: { lnQ: NormWeights; fc1: Linear; fc2: Linear };
}

export interface ModelWeights {
  text: TextWeights;
  vision: VisionWeights | null;
}

/** Reads tensors one at a time from the store into tfjs (peak extra memory: one tensor). */
class Loader {
  constructor(
    private readonly store: WeightStore,
    private readonly layout: WeightLayout,
  ) {}

  has(name: string): boolean {
    return this.store.has(name);
  }

  tensor<R extends tf.Rank>(name: string, expect?: number[]): tf.Tensor<R> {
    if (!this.store.has(name)) {
      throw new EvolmmError('MODEL_FORMAT', `weight '${name}' is missing from the model folder; expected a Qwen2-VL / Qwen2.5-VL checkpoint`);
    }
    const info = this.store.info(name);
    if (expect && (expect.length !== info.shape.length || expect.some((d, i) => d !== info.shape[i]))) {
      throw new EvolmmError(
        'MODEL_FORMAT',
        `weight '${name}' has shape [${info.shape}] but config.json implies [${expect}]`,
      );
    }
    return tf.tensor(this.store.readFloat32(name), [...info.shape]) as unknown as tf.Tensor<R>;
  }

  /** A weight stored [out, in] on disk as a FrozenMatrix M = Wᵀ. */
  matrix(name: string, out: number, inn: number): FrozenMatrix {
    return frozenFromHf(this.tensor<tf.Rank.R2>(name, [out, inn]), this.layout);
  }

  linear(prefix: string, out: number, inn: number, bias: boolean | 'optional'): Linear {
    const m = this.matrix(`${prefix}.weight`, out, inn);
    const hasBias = bias === true || (bias === 'optional' && this.has(`${prefix}.bias`));
    return hasBias ? { m, b: this.tensor<tf.Rank.R1>(`${prefix}.bias`, [out]) } : { m };
  }

  norm(prefix: string, dim: number, withBias: boolean): NormWeights {
    const w = this.tensor<tf.Rank.R1>(`${prefix}.weight`, [dim]);
    return withBias ? { w, b: this.tensor<tf.Rank.R1>(`${prefix}.bias`, [dim]) } : { w };
  }
}

export function loadTextWeights(store: WeightStore, cfg: QwenVLConfig, layout: WeightLayout): TextWeights {
  const t = cfg.text;
  const L = new Loader(store, layout);
  const D = t.hiddenSize;
  const qDim = t.numAttentionHeads * t.headDim;
  const kvDim = t.numKeyValueHeads * t.headDim;
  const layers: DecoderLayerWeights[] = [];
  for (let i = 0; i < t.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    layers.push({
      inputNorm: L.tensor(`${p}.input_layernorm.weight`, [D]),
      postNorm: L.tensor(`${p}.post_attention_layernorm.weight`, [D]),
      q_proj: L.linear(`${p}.self_attn.q_proj`, qDim, D, true),
      k_proj: L.linear(`${p}.self_attn.k_proj`, kvDim, D, true),
      v_proj: L.linear(`${p}.self_attn.v_proj`, kvDim, D, true),
      o_proj: L.linear(`${p}.self_attn.o_proj`, D, qDim, 'optional'),
      gate_proj: L.linear(`${p}.mlp.gate_proj`, t.intermediateSize, D, false),
      up_proj: L.linear(`${p}.mlp.up_proj`, t.intermediateSize, D, false),
      down_proj: L.linear(`${p}.mlp.down_proj`, D, t.intermediateSize, false),
    });
  }
  const norm = L.tensor<tf.Rank.R1>('model.norm.weight', [D]);
  const tied = t.tieWordEmbeddings || !store.has('lm_head.weight');
  const lmHead = L.matrix(tied ? 'model.embed_tokens.weight' : 'lm_head.weight', t.vocabSize, D);
  const embedRows = tied ? null : L.tensor<tf.Rank.R2>('model.embed_tokens.weight', [t.vocabSize, D]);
  return { embedRows, layers, norm, lmHead };
}

export function loadVisionWeights(store: WeightStore, cfg: QwenVLConfig, layout: WeightLayout): VisionWeights | null {
  const v = cfg.vision;
  if (!store.has('visual.patch_embed.proj.weight')) return null;
  const L = new Loader(store, layout);
  const D = v.embedDim;
  const patchIn = v.inChannels * v.temporalPatchSize * v.patchSize * v.patchSize;
  const conv = L.tensor<tf.Rank>('visual.patch_embed.proj.weight', [D, v.inChannels, v.temporalPatchSize, v.patchSize, v.patchSize]);
  const patch = tf.tidy(() => conv.reshape([D, patchIn]).transpose() as tf.Tensor2D);
  conv.dispose();
  const isV25 = cfg.variant === 'qwen2.5-vl';
  const blocks: VisionBlockWeights[] = [];
  for (let i = 0; i < v.depth; i++) {
    const p = `visual.blocks.${i}`;
    const mlp: Record<string, Linear> = isV25
      ? {
          gate_proj: L.linear(`${p}.mlp.gate_proj`, v.mlpHiddenDim, D, true),
          up_proj: L.linear(`${p}.mlp.up_proj`, v.mlpHiddenDim, D, true),
          down_proj: L.linear(`${p}.mlp.down_proj`, D, v.mlpHiddenDim, true),
        }
      : {
          fc1: L.linear(`${p}.mlp.fc1`, v.mlpHiddenDim, D, true),
          fc2: L.linear(`${p}.mlp.fc2`, D, v.mlpHiddenDim, true),
        };
    blocks.push({
      norm1: L.norm(`${p}.norm1`, D, !isV25),
      norm2: L.norm(`${p}.norm2`, D, !isV25),
      qkv: L.linear(`${p}.attn.qkv`, 3 * D, D, true),
      proj: L.linear(`${p}.attn.proj`, D, D, true),
      mlp,
    });
  }
  const m = v.spatialMergeSize * v.spatialMergeSize * D;
  const merger = {
    lnQ: L.norm('visual.merger.ln_q', D, !isV25),
    fc1: L.linear('visual.merger.mlp.0', m, m, true),
    fc2: L.linear('visual.merger.mlp.2', v.outHiddenSize, m, true),
  };
  return { patch, blocks, merger };
}

export function disposeWeights(w: ModelWeights): void {
  const seen = new Set<tf.Tensor>();
  const visit = (x: unknown): void => {
    if (x instanceof tf.Tensor) {
      if (!seen.has(x)) {
        seen.add(x);
        x.dispose();
      }
    } else if (x && typeof x === 'object') {
      for (const v of Object.values(x)) visit(v);
    }
  };
  visit(w);
}

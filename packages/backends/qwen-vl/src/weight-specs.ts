import type { QwenVLConfig } from './config.js';

export interface WeightSpec {
  name: string;
  shape: number[];
}

/**
 * Every tensor of a Qwen2-VL / Qwen2.5-VL checkpoint under canonical names with its shape (docs/runtime.md §3.2,
 * §3.3, §8). Linear weights are [out, in]. Qwen2.5-VL blocks: RMSNorm (weight only) + SwiGLU with biases;
 * Qwen2-VL blocks: LayerNorm (weight, bias) + fc1/fc2 with biases. `lm_head.weight` only when untied.
 */
export function qwenWeightSpecs(config: QwenVLConfig): WeightSpec[] {
  const v = config.vision, t = config.text;
  const E = v.embedDim, I = v.mlpHiddenDim, M2 = v.spatialMergeSize ** 2;
  const specs: WeightSpec[] = [];
  const add = (name: string, ...shape: number[]) => specs.push({ name, shape });
  const qwen25 = config.variant === 'qwen2.5-vl';
  add('visual.patch_embed.proj.weight', E, v.inChannels, v.temporalPatchSize, v.patchSize, v.patchSize);
  for (let i = 0; i < v.depth; i++) {
    const p = `visual.blocks.${i}.`;
    add(p + 'norm1.weight', E);
    if (!qwen25) add(p + 'norm1.bias', E);
    add(p + 'norm2.weight', E);
    if (!qwen25) add(p + 'norm2.bias', E);
    add(p + 'attn.qkv.weight', 3 * E, E);
    add(p + 'attn.qkv.bias', 3 * E);
    add(p + 'attn.proj.weight', E, E);
    add(p + 'attn.proj.bias', E);
    if (qwen25) {
      add(p + 'mlp.gate_proj.weight', I, E);
      add(p + 'mlp.gate_proj.bias', I);
      add(p + 'mlp.up_proj.weight', I, E);
      add(p + 'mlp.up_proj.bias', I);
      add(p + 'mlp.down_proj.weight', E, I);
      add(p + 'mlp.down_proj.bias', E);
    } else {
      add(p + 'mlp.fc1.weight', I, E);
      add(p + 'mlp.fc1.bias', I);
      add(p + 'mlp.fc2.weight', E, I);
      add(p + 'mlp.fc2.bias', E);
    }
  }
  add('visual.merger.ln_q.weight', E);
  if (!qwen25) add('visual.merger.ln_q.bias', E);
  add('visual.merger.mlp.0.weight', E * M2, E * M2);
  add('visual.merger.mlp.0.bias', E * M2);
  add('visual.merger.mlp.2.weight', v.outHiddenSize, E * M2);
  add('visual.merger.mlp.2.bias', v.outHiddenSize);
  const H = t.hiddenSize, hd = t.headDim;
  add('model.embed_tokens.weight', t.vocabSize, H);
  for (let i = 0; i < t.numHiddenLayers; i++) {
    const p = `model.layers.${i}.`;
    add(p + 'input_layernorm.weight', H);
    add(p + 'self_attn.q_proj.weight', t.numAttentionHeads * hd, H);
    add(p + 'self_attn.q_proj.bias', t.numAttentionHeads * hd);
    add(p + 'self_attn.k_proj.weight', t.numKeyValueHeads * hd, H);
    add(p + 'self_attn.k_proj.bias', t.numKeyValueHeads * hd);
    add(p + 'self_attn.v_proj.weight', t.numKeyValueHeads * hd, H);
    add(p + 'self_attn.v_proj.bias', t.numKeyValueHeads * hd);
    add(p + 'self_attn.o_proj.weight', H, t.numAttentionHeads * hd);
    add(p + 'post_attention_layernorm.weight', H);
    add(p + 'mlp.gate_proj.weight', t.intermediateSize, H);
    add(p + 'mlp.up_proj.weight', t.intermediateSize, H);
    add(p + 'mlp.down_proj.weight', H, t.intermediateSize);
  }
  add('model.norm.weight', H);
  if (!t.tieWordEmbeddings) add('lm_head.weight', t.vocabSize, H);
  return specs;
}

import fs from 'node:fs';
import path from 'node:path';
import { createRng, EvolmmError, writeJsonAtomic } from '@evolmm/core';
import { QWEN_VL_CHAT_TEMPLATE } from './chat-template.js';
import { parseConfig, type QwenTextConfig, type QwenVariant, type QwenVisionConfig, type QwenVLConfig } from './config.js';
import { CLIP_MEAN, CLIP_STD } from './image-processor.js';
import { numel, DTYPE_BYTES } from './safetensors-format.js';
import { tensorBytes, writeSafetensorsStreaming } from './safetensors-writer.js';
import { buildTinyTokenizer, QWEN_SPECIAL_TOKENS, type TinyTokenizerFiles } from './tiny-tokenizer.js';
import { newStyleWeightName } from './weight-names.js';
import { qwenWeightSpecs, type WeightSpec } from './weight-specs.js';

export interface CheckpointOptions {
  /** Default 'qwen2.5-vl'. */
  variant?: QwenVariant;
  /** 'tiny' (default; builds in well under a second) or '0.5b' (Qwen2-0.5B decoder dims + a small vision tower). */
  preset?: 'tiny' | '0.5b';
  /** Overrides of the preset's text dims. Changing hiddenSize/heads re-derives headDim and mropeSection unless given. */
  text?: Partial<QwenTextConfig>;
  vision?: Partial<QwenVisionConfig>;
  /** Weight seed (core createRng). Default 0. Each tensor's values depend only on (seed, name). */
  seed?: number;
  /** Stored dtype. Default 'F32'. */
  dtype?: 'F32' | 'BF16' | 'F16';
  /** Write `model-0000k-of-0000n.safetensors` + `model.safetensors.index.json` (default false). */
  sharded?: boolean;
  /** Number of shards when sharded. Default 2. */
  shards?: number;
  /** Store tensors under the newer export names (`model.visual.*`, `model.language_model.*`). Default false. */
  newNames?: boolean;
  /** preprocessor_config.json max_pixels. Default 12845056 (hub value). */
  maxPixels?: number;
  /** preprocessor_config.json min_pixels. Default 3136. */
  minPixels?: number;
}

const TINY_TEXT: Omit<QwenTextConfig, 'vocabSize'> = {
  hiddenSize: 32, intermediateSize: 64, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, headDim: 8,
  rmsNormEps: 1e-6, ropeTheta: 1_000_000, mropeSection: [1, 1, 2], tieWordEmbeddings: true,
};
/** Qwen2-0.5B decoder dims; mrope_section [16,24,24] scaled to head_dim/2 = 32. */
const TEXT_05B: QwenTextConfig = {
  hiddenSize: 896, intermediateSize: 4864, numHiddenLayers: 24, numAttentionHeads: 14, numKeyValueHeads: 2, headDim: 64,
  vocabSize: 151936, rmsNormEps: 1e-6, ropeTheta: 1_000_000, mropeSection: [8, 12, 12], tieWordEmbeddings: true,
};
const TINY_VISION = { depth: 2, embedDim: 32, mlpHiddenDim: 64, numHeads: 4, fullattBlockIndexes: [1] };
const VISION_05B = { depth: 4, embedDim: 256, mlpHiddenDim: 1024, numHeads: 4, fullattBlockIndexes: [1, 3] };

/** Scales [16, 24, 24] to head_dim / 2 (t ≈ 1/4, the rest split between h and w). */
export function defaultMropeSection(headDim: number): [number, number, number] {
  const s = headDim / 2;
  const t = Math.round(s / 4);
  const h = Math.floor((s - t) / 2);
  return [t, h, s - t - h];
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Random values for one tensor, deterministic in (seed, canonical name). Uniform with a chosen standard deviation:
 * linear weights 1/√fan_in (activations keep their scale), norm weights 1 ± 0.1·√3, biases ±0.1·√3 (non-zero so a
 * backend that ignores them fails its tests), embeddings / lm_head 3/√H so logits have a standard deviation of
 * about 3: varied, neither flat nor one-hot.
 */
function randomTensor(spec: WeightSpec, seed: number, hidden: number): Float32Array {
  const n = numel(spec.shape);
  const out = new Float32Array(n);
  const rng = createRng(seed, fnv1a(spec.name));
  const name = spec.name;
  let center = 0;
  let std: number;
  if (spec.shape.length === 1) {
    const isNormWeight = name.endsWith('.weight') && /norm|ln_q/.test(name);
    center = isNormWeight ? 1 : 0;
    std = 0.1;
  } else if (name === 'model.embed_tokens.weight' || name === 'lm_head.weight') {
    std = 3 / Math.sqrt(hidden);
  } else {
    std = 1 / Math.sqrt(numel(spec.shape.slice(1)));
  }
  const a = std * Math.sqrt(3);
  for (let i = 0; i < n; i++) out[i] = center + a * ((rng.nextUint32() / 4294967296) * 2 - 1);
  return out;
}

function buildConfigJson(variant: QwenVariant, text: QwenTextConfig, vision: QwenVisionConfig, ids: Record<string, number>): Record<string, unknown> {
  const qwen25 = variant === 'qwen2.5-vl';
  const textKeys = {
    hidden_size: text.hiddenSize,
    intermediate_size: text.intermediateSize,
    num_hidden_layers: text.numHiddenLayers,
    num_attention_heads: text.numAttentionHeads,
    num_key_value_heads: text.numKeyValueHeads,
    head_dim: text.headDim,
    vocab_size: text.vocabSize,
    rms_norm_eps: text.rmsNormEps,
    rope_theta: text.ropeTheta,
    rope_scaling: { type: 'mrope', rope_type: 'default', mrope_section: text.mropeSection },
    hidden_act: 'silu',
    max_position_embeddings: 32768,
    attention_dropout: 0,
    use_sliding_window: false,
    sliding_window: 32768,
    max_window_layers: text.numHiddenLayers,
    initializer_range: 0.02,
    tie_word_embeddings: text.tieWordEmbeddings,
    bos_token_id: ids['<|endoftext|>'],
    eos_token_id: ids['<|im_end|>'],
    pad_token_id: ids['<|endoftext|>'],
    use_cache: true,
    torch_dtype: 'float32',
  };
  const visionConfig = qwen25
    ? {
        model_type: 'qwen2_5_vl',
        depth: vision.depth,
        hidden_size: vision.embedDim,
        intermediate_size: vision.mlpHiddenDim,
        num_heads: vision.numHeads,
        in_chans: vision.inChannels,
        in_channels: vision.inChannels,
        out_hidden_size: vision.outHiddenSize,
        patch_size: vision.patchSize,
        spatial_merge_size: vision.spatialMergeSize,
        temporal_patch_size: vision.temporalPatchSize,
        window_size: vision.windowSize ?? 112,
        fullatt_block_indexes: vision.fullattBlockIndexes,
        tokens_per_second: vision.tokensPerSecond || 2,
        hidden_act: vision.hiddenAct,
      }
    : {
        model_type: 'qwen2_vl',
        depth: vision.depth,
        embed_dim: vision.embedDim,
        hidden_size: vision.outHiddenSize,
        mlp_ratio: vision.mlpHiddenDim / vision.embedDim,
        num_heads: vision.numHeads,
        in_chans: vision.inChannels,
        in_channels: vision.inChannels,
        patch_size: vision.patchSize,
        spatial_merge_size: vision.spatialMergeSize,
        temporal_patch_size: vision.temporalPatchSize,
        hidden_act: vision.hiddenAct,
      };
  // Flat keys for Qwen2-VL readers and the hub layout, text_config for transformers.js's qwen2_5_vl (runtime.md §4).
  return {
    architectures: [qwen25 ? 'Qwen2_5_VLForConditionalGeneration' : 'Qwen2VLForConditionalGeneration'],
    model_type: qwen25 ? 'qwen2_5_vl' : 'qwen2_vl',
    ...textKeys,
    image_token_id: ids['<|image_pad|>'],
    video_token_id: ids['<|video_pad|>'],
    vision_start_token_id: ids['<|vision_start|>'],
    vision_end_token_id: ids['<|vision_end|>'],
    vision_token_id: ids['<|vision_pad|>'],
    text_config: { model_type: qwen25 ? 'qwen2_5_vl_text' : 'qwen2_vl_text', ...textKeys },
    vision_config: visionConfig,
    transformers_version: '4.57.0',
  };
}

/**
 * The config a checkpoint built with `opts` will have, without writing anything: the parsed config, the
 * config.json object, and the tokenizer files.
 */
export function resolveCheckpointConfig(opts: CheckpointOptions = {}): { config: QwenVLConfig; configJson: Record<string, unknown>; tokenizer: TinyTokenizerFiles } {
  const variant = opts.variant ?? 'qwen2.5-vl';
  if (variant !== 'qwen2.5-vl' && variant !== 'qwen2-vl') throw new EvolmmError('INVALID_ARGUMENT', `variant must be 'qwen2.5-vl' or 'qwen2-vl', found ${String(variant)}`);
  const preset = opts.preset ?? 'tiny';
  if (preset !== 'tiny' && preset !== '0.5b') throw new EvolmmError('INVALID_ARGUMENT', `preset must be 'tiny' or '0.5b', found ${String(preset)}`);
  const dtype = opts.dtype ?? 'F32';
  if (!(dtype in DTYPE_BYTES) || !['F32', 'BF16', 'F16'].includes(dtype)) throw new EvolmmError('INVALID_ARGUMENT', `dtype must be F32, BF16 or F16, found ${dtype}`);

  const baseText = preset === 'tiny' ? { ...TINY_TEXT, vocabSize: 0 } : TEXT_05B;
  const o = opts.text ?? {};
  const hiddenSize = o.hiddenSize ?? baseText.hiddenSize;
  const numAttentionHeads = o.numAttentionHeads ?? baseText.numAttentionHeads;
  const dimsChanged = o.hiddenSize !== undefined || o.numAttentionHeads !== undefined;
  const headDim = o.headDim ?? (dimsChanged ? hiddenSize / numAttentionHeads : baseText.headDim);
  const tok = buildTinyTokenizer(o.vocabSize ?? (baseText.vocabSize || undefined));
  const text: QwenTextConfig = {
    ...baseText,
    ...o,
    hiddenSize,
    numAttentionHeads,
    headDim,
    mropeSection: o.mropeSection ?? (headDim === baseText.headDim ? baseText.mropeSection : defaultMropeSection(headDim)),
    vocabSize: tok.vocabSize,
  };
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) throw new EvolmmError('INVALID_ARGUMENT', `head_dim must be an even integer, found ${headDim}`);
  const vBase = preset === 'tiny' ? TINY_VISION : VISION_05B;
  const qwen25 = variant === 'qwen2.5-vl';
  const vision: QwenVisionConfig = {
    depth: vBase.depth, embedDim: vBase.embedDim, mlpHiddenDim: vBase.mlpHiddenDim, numHeads: vBase.numHeads,
    patchSize: 14, temporalPatchSize: 2, spatialMergeSize: 2, inChannels: 3,
    outHiddenSize: hiddenSize,
    windowSize: qwen25 ? 112 : null,
    fullattBlockIndexes: qwen25 ? vBase.fullattBlockIndexes.filter((i) => i < (opts.vision?.depth ?? vBase.depth)) : [],
    hiddenAct: qwen25 ? 'silu' : 'quick_gelu',
    tokensPerSecond: qwen25 ? 2 : 0,
    ...opts.vision,
  };
  vision.outHiddenSize = hiddenSize;

  const configJson = buildConfigJson(variant, text, vision, tok.specialIds);
  const config = parseConfig(configJson, 'createCheckpoint config');
  return { config, configJson, tokenizer: tok };
}

/**
 * Writes a complete Hugging Face Qwen2-VL / Qwen2.5-VL folder with random weights: config.json,
 * generation_config.json, preprocessor_config.json, tokenizer.json (tiny byte-level BPE with the Qwen specials),
 * tokenizer_config.json (chat template) and safetensors weights. Weights are generated and written one tensor at
 * a time, so the 0.5B-shaped model needs about one embedding matrix of memory.
 */
export async function createCheckpoint(dir: string, opts: CheckpointOptions = {}): Promise<{ dir: string; config: QwenVLConfig; params: number }> {
  const { config, configJson, tokenizer: tok } = resolveCheckpointConfig(opts);
  const variant = config.variant;
  const qwen25 = variant === 'qwen2.5-vl';
  const dtype = opts.dtype ?? 'F32';
  const seed = opts.seed ?? 0;
  const text = config.text;
  const vision = config.vision;
  const specs = qwenWeightSpecs(config);
  fs.mkdirSync(dir, { recursive: true });

  // Weights first: a half-written folder never has a config.json that claims to be complete.
  const storedName = (n: string) => (opts.newNames ? newStyleWeightName(n) : n);
  const byStored = new Map(specs.map((s) => [storedName(s.name), s]));
  const produce = (info: { name: string }) => {
    const spec = byStored.get(info.name)!;
    return tensorBytes({ name: spec.name, dtype, shape: spec.shape, data: randomTensor(spec, seed, text.hiddenSize) });
  };
  const infos = specs.map((s) => ({ name: storedName(s.name), dtype, shape: s.shape }));
  for (const f of fs.readdirSync(dir)) if (/^model.*\.safetensors(\.index\.json)?$/.test(f)) fs.rmSync(path.join(dir, f));
  if (opts.sharded) {
    const shards = Math.max(1, Math.min(opts.shards ?? 2, infos.length));
    const total = infos.reduce((s, t) => s + numel(t.shape) * DTYPE_BYTES[dtype], 0);
    const groups: (typeof infos)[] = Array.from({ length: shards }, () => []);
    let acc = 0;
    for (const info of infos) {
      const g = Math.min(shards - 1, Math.floor((acc / total) * shards));
      groups[g].push(info);
      acc += numel(info.shape) * DTYPE_BYTES[dtype];
    }
    const nonEmpty = groups.filter((g) => g.length > 0);
    const weightMap: Record<string, string> = {};
    nonEmpty.forEach((g, k) => {
      const file = `model-${String(k + 1).padStart(5, '0')}-of-${String(nonEmpty.length).padStart(5, '0')}.safetensors`;
      writeSafetensorsStreaming(path.join(dir, file), g, produce, { format: 'pt' });
      for (const info of g) weightMap[info.name] = file;
    });
    writeJsonAtomic(path.join(dir, 'model.safetensors.index.json'), { metadata: { total_size: total }, weight_map: weightMap });
  } else {
    writeSafetensorsStreaming(path.join(dir, 'model.safetensors'), infos, produce, { format: 'pt' });
  }

  const ids = tok.specialIds;
  writeJsonAtomic(path.join(dir, 'tokenizer.json'), tok.tokenizerJson);
  writeJsonAtomic(path.join(dir, 'tokenizer_config.json'), {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(
      QWEN_SPECIAL_TOKENS.map((t) => [String(ids[t]), { content: t, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }]),
    ),
    additional_special_tokens: QWEN_SPECIAL_TOKENS.slice(1),
    bos_token: null,
    chat_template: QWEN_VL_CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: '<|im_end|>',
    errors: 'replace',
    model_max_length: 32768,
    pad_token: '<|endoftext|>',
    processor_class: qwen25 ? 'Qwen2_5_VLProcessor' : 'Qwen2VLProcessor',
    split_special_tokens: false,
    tokenizer_class: 'Qwen2Tokenizer',
    unk_token: null,
  });
  const minPixels = opts.minPixels ?? 3136;
  const maxPixels = opts.maxPixels ?? 12845056;
  writeJsonAtomic(path.join(dir, 'preprocessor_config.json'), {
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [...CLIP_MEAN],
    image_std: [...CLIP_STD],
    image_processor_type: 'Qwen2VLImageProcessor',
    processor_class: qwen25 ? 'Qwen2_5_VLProcessor' : 'Qwen2VLProcessor',
    max_pixels: maxPixels,
    min_pixels: minPixels,
    size: { longest_edge: maxPixels, shortest_edge: minPixels },
    merge_size: vision.spatialMergeSize,
    patch_size: vision.patchSize,
    temporal_patch_size: vision.temporalPatchSize,
    resample: 3,
    rescale_factor: 0.00392156862745098,
  });
  writeJsonAtomic(path.join(dir, 'generation_config.json'), {
    bos_token_id: ids['<|endoftext|>'],
    pad_token_id: ids['<|endoftext|>'],
    eos_token_id: [ids['<|im_end|>'], ids['<|endoftext|>']],
    do_sample: false,
    transformers_version: '4.57.0',
  });
  writeJsonAtomic(path.join(dir, 'config.json'), configJson);
  const params = specs.reduce((s, t) => s + numel(t.shape), 0);
  return { dir, config, params };
}

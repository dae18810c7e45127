import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from '@evolmm/core';

/** Which model family a folder holds. */
export type QwenVariant = 'qwen2-vl' | 'qwen2.5-vl';

/** The Qwen2 text decoder (docs/runtime.md §3.1, §3.3). */
export interface QwenTextConfig {
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  /** Explicit `head_dim`, else hidden_size / num_attention_heads. */
  headDim: number;
  vocabSize: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** Sums to headDim / 2 (docs/runtime.md §3.3). */
  mropeSection: [number, number, number];
  tieWordEmbeddings: boolean;
}

/** The vision tower (docs/runtime.md §3.2). */
export interface QwenVisionConfig {
  depth: number;
  /** Block width (Qwen2.5-VL: `hidden_size`; Qwen2-VL: `embed_dim`). */
  embedDim: number;
  /** MLP width (Qwen2.5-VL: `intermediate_size`; Qwen2-VL: `embed_dim * mlp_ratio`). */
  mlpHiddenDim: number;
  numHeads: number;
  patchSize: number;
  temporalPatchSize: number;
  spatialMergeSize: number;
  inChannels: number;
  /** Merger output = text hidden size (Qwen2.5-VL: `out_hidden_size`; Qwen2-VL: `hidden_size`). */
  outHiddenSize: number;
  /** Qwen2.5-VL window size in pixels (112); null for Qwen2-VL (no window attention). */
  windowSize: number | null;
  /** Qwen2.5-VL blocks with full attention; [] for Qwen2-VL. */
  fullattBlockIndexes: number[];
  /** 'silu' (2.5: SwiGLU) or 'quick_gelu' (2: fc1 → QuickGELU → fc2). */
  hiddenAct: string;
  /** Qwen2.5-VL video time scale (2); 0 where absent. Images never use it. */
  tokensPerSecond: number;
}

export interface QwenVLConfig {
  variant: QwenVariant;
  text: QwenTextConfig;
  vision: QwenVisionConfig;
  imageTokenId: number;
  videoTokenId: number;
  visionStartTokenId: number;
  visionEndTokenId: number;
  bosTokenId: number;
  /** All ids from `eos_token_id` (a number or a list). */
  eosTokenIds: number[];
  padTokenId: number;
  /** The parsed config.json as found. */
  raw: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function detectVariant(json: Json): QwenVariant | undefined {
  const modelType = String(json.model_type ?? '');
  const archs = Array.isArray(json.architectures) ? json.architectures.map(String) : [];
  if (modelType === 'qwen2_5_vl' || archs.some((a) => a.startsWith('Qwen2_5_VL'))) return 'qwen2.5-vl';
  if (modelType === 'qwen2_vl' || archs.some((a) => a.startsWith('Qwen2VL'))) return 'qwen2-vl';
  return undefined;
}

/**
 * Parses a Hugging Face Qwen2-VL / Qwen2.5-VL config.json. Accepts the flat form of the hub checkpoints (text keys
 * at the top level, `rope_scaling.mrope_section`) and the newer form (`text_config`, `rope_parameters`);
 * `text_config` wins where both are present (docs/runtime.md §3.1).
 */
export function parseConfig(json: unknown, source = 'config.json'): QwenVLConfig {
  if (!isObject(json)) {
    throw new EvolmmError('MODEL_FORMAT', `${source}: expected a JSON object, found ${Array.isArray(json) ? 'an array' : typeof json}`);
  }
  const variant = detectVariant(json);
  if (!variant) {
    throw new EvolmmError(
      'MODEL_FORMAT',
      `${source} is not a Qwen2-VL / Qwen2.5-VL config: model_type is ${JSON.stringify(json.model_type)}, architectures ${JSON.stringify(json.architectures)}; expected model_type "qwen2_5_vl" or "qwen2_vl". Point evolmm at a Qwen2(.5)-VL folder, or build one with createCheckpoint().`,
      { details: { source, modelType: json.model_type } },
    );
  }
  const tc = isObject(json.text_config) ? json.text_config : {};
  const t: Json = { ...json, ...tc };
  const vc = isObject(json.vision_config) ? json.vision_config : undefined;
  if (!vc) throw new EvolmmError('MODEL_FORMAT', `${source}: missing "vision_config"; a Qwen2(.5)-VL config has one. Is this a text-only Qwen2 model?`);

  const num = (obj: Json, key: string, where: string, fallback?: number): number => {
    const v = obj[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (v === undefined && fallback !== undefined) return fallback;
    throw new EvolmmError('MODEL_FORMAT', `${source}: expected a number at ${where}${key}, found ${JSON.stringify(v)}`);
  };

  const ropeParams = isObject(t.rope_parameters) ? t.rope_parameters : {};
  const ropeScaling = isObject(t.rope_scaling) ? t.rope_scaling : {};
  const section = (ropeParams.mrope_section ?? ropeScaling.mrope_section) as unknown;
  const hiddenSize = num(t, 'hidden_size', 'text ');
  const numAttentionHeads = num(t, 'num_attention_heads', 'text ');
  const headDim = typeof t.head_dim === 'number' ? t.head_dim : hiddenSize / numAttentionHeads;
  let mropeSection: [number, number, number];
  if (Array.isArray(section) && section.length === 3 && section.every((x) => typeof x === 'number')) {
    mropeSection = [section[0], section[1], section[2]];
  } else {
    throw new EvolmmError('MODEL_FORMAT', `${source}: expected rope_scaling.mrope_section or rope_parameters.mrope_section = [t, h, w], found ${JSON.stringify(section)}`);
  }
  if (mropeSection[0] + mropeSection[1] + mropeSection[2] !== headDim / 2) {
    throw new EvolmmError('MODEL_FORMAT', `${source}: mrope_section ${JSON.stringify(mropeSection)} sums to ${mropeSection[0] + mropeSection[1] + mropeSection[2]}, expected head_dim / 2 = ${headDim / 2}`);
  }
  const ropeTheta = typeof ropeParams.rope_theta === 'number' ? ropeParams.rope_theta : num(t, 'rope_theta', 'text ', 1_000_000);

  const text: QwenTextConfig = {
    hiddenSize,
    intermediateSize: num(t, 'intermediate_size', 'text '),
    numHiddenLayers: num(t, 'num_hidden_layers', 'text '),
    numAttentionHeads,
    numKeyValueHeads: num(t, 'num_key_value_heads', 'text ', numAttentionHeads),
    headDim,
    vocabSize: num(t, 'vocab_size', 'text '),
    rmsNormEps: num(t, 'rms_norm_eps', 'text ', 1e-6),
    ropeTheta,
    mropeSection,
    // tie_word_embeddings lives at the top level in hub configs; text_config may repeat it.
    tieWordEmbeddings: Boolean(tc.tie_word_embeddings ?? json.tie_word_embeddings ?? false),
  };

  const depth = num(vc, 'depth', 'vision_config.');
  let vision: QwenVisionConfig;
  const common = {
    depth,
    numHeads: num(vc, 'num_heads', 'vision_config.'),
    patchSize: num(vc, 'patch_size', 'vision_config.', 14),
    temporalPatchSize: num(vc, 'temporal_patch_size', 'vision_config.', 2),
    spatialMergeSize: num(vc, 'spatial_merge_size', 'vision_config.', 2),
    inChannels: typeof vc.in_channels === 'number' ? vc.in_channels : num(vc, 'in_chans', 'vision_config.', 3),
  };
  if (variant === 'qwen2.5-vl') {
    const fullatt = vc.fullatt_block_indexes;
    vision = {
      ...common,
      embedDim: num(vc, 'hidden_size', 'vision_config.'),
      mlpHiddenDim: num(vc, 'intermediate_size', 'vision_config.'),
      outHiddenSize: num(vc, 'out_hidden_size', 'vision_config.', hiddenSize),
      windowSize: num(vc, 'window_size', 'vision_config.', 112),
      fullattBlockIndexes: Array.isArray(fullatt) ? fullatt.map(Number) : [],
      hiddenAct: String(vc.hidden_act ?? 'silu'),
      tokensPerSecond: num(vc, 'tokens_per_second', 'vision_config.', 2),
    };
  } else {
    const embedDim = num(vc, 'embed_dim', 'vision_config.');
    vision = {
      ...common,
      embedDim,
      mlpHiddenDim: Math.round(embedDim * num(vc, 'mlp_ratio', 'vision_config.', 4)),
      // Qwen2-VL's vision_config.hidden_size is the merger output (= text hidden size), docs/runtime.md §3.2.
      outHiddenSize: num(vc, 'hidden_size', 'vision_config.', hiddenSize),
      windowSize: null,
      fullattBlockIndexes: [],
      hiddenAct: String(vc.hidden_act ?? 'quick_gelu'),
      tokensPerSecond: 0,
    };
  }
  if (vision.outHiddenSize !== text.hiddenSize) {
    throw new EvolmmError('MODEL_FORMAT', `${source}: the vision merger outputs ${vision.outHiddenSize} features but the text hidden size is ${text.hiddenSize}; they must match`);
  }

  const eosRaw = t.eos_token_id ?? json.eos_token_id;
  const eosTokenIds = Array.isArray(eosRaw) ? eosRaw.map(Number) : typeof eosRaw === 'number' ? [eosRaw] : [151645];
  const bosTokenId = typeof (t.bos_token_id ?? json.bos_token_id) === 'number' ? Number(t.bos_token_id ?? json.bos_token_id) : 151643;
  const top = (key: string, fallback: number): number => {
    const v = json[key] ?? tc[key];
    return typeof v === 'number' ? v : fallback;
  };
  return {
    variant,
    text,
    vision,
    imageTokenId: top('image_token_id', 151655),
    videoTokenId: top('video_token_id', 151656),
    visionStartTokenId: top('vision_start_token_id', 151652),
    visionEndTokenId: top('vision_end_token_id', 151653),
    bosTokenId,
    eosTokenIds,
    padTokenId: top('pad_token_id', bosTokenId),
    raw: json,
  };
}

/** Reads and parses `<dir>/config.json`; clear EvolmmErrors for a missing folder/file or a non-Qwen2(.5)-VL config. */
export async function loadConfig(dir: string): Promise<QwenVLConfig> {
  return loadConfigSync(dir);
}

/** Synchronous {@link loadConfig}. */
export function loadConfigSync(dir: string): QwenVLConfig {
  const file = path.join(dir, 'config.json');
  return parseConfig(readJsonFile(file, `a Hugging Face model folder with config.json (${dir})`), file);
}

/** Reads a JSON file with EvolmmErrors that name the file and what was expected. */
export function readJsonFile(file: string, expected = 'a JSON file'): unknown {
  const dir = path.dirname(file);
  if (!fs.existsSync(dir)) {
    throw new EvolmmError('NOT_FOUND', `model folder ${dir} does not exist; expected ${expected}`, { details: { path: dir } });
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new EvolmmError('NOT_FOUND', `cannot read ${file}: ${(cause as Error).message}; expected ${expected}`, { cause, details: { path: file } });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new EvolmmError('MODEL_FORMAT', `${file} is not valid JSON: ${(cause as Error).message}`, { cause, details: { path: file } });
  }
}

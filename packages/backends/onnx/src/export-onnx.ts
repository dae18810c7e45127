import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvolmmError, writeJsonAtomic } from '@evolmm/core';
import { loadConfig, openWeights, type QwenVLConfig } from '@evolmm/qwen-vl';
import { mergeLora, readLoraAdapter } from './adapter-merge.js';
import { buildEmbedTokens } from './graph/embed-tokens.js';
import { ExternalDataWriter } from './graph/external-data.js';
import { encodeModel, GraphBuilder } from './graph/graph-builder.js';
import type { WeightSource } from './graph/layers.js';
import { buildTextDecoder } from './graph/text-decoder.js';
import { buildVisionEncoder } from './graph/vision-encoder.js';

export type OnnxDtype = 'fp32' | 'fp16' | 'int8';

export interface ExportOnnxOptions {
  /**
   * Weight storage: 'fp32' (default) writes `<graph>.onnx`; 'fp16' writes `<graph>_fp16.onnx` (weight-only fp16);
   * 'int8' writes `<graph>_int8.onnx` (linear layers as 8-bit MatMulNBits, a quarter of the bytes to read per
   * token). IO is float32 for all three.
   */
  dtype?: OnnxDtype;
  /**
   * int8 only: 'int8' (default) lets MatMulNBits quantize activations per block of 32 (fast integer kernels);
   * 'fp32' keeps activations fp32 (exact product with the 8-bit weights, much slower on CPU).
   */
  int8Activations?: 'int8' | 'fp32';
  /** A PEFT LoRA folder (adapter_config.json + adapter_model.safetensors) merged into the weights first: W + α/r·B·A. */
  adapter?: string;
  /**
   * External data (`<graph>.onnx_data`): 'auto' (default) for graphs whose weights exceed 1.8 GB (protobuf cannot
   * hold 2 GB), 'always' to force it (tests), 'never' to refuse and fail on large models.
   */
  externalData?: 'auto' | 'always' | 'never';
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface ExportOnnxResult {
  outDir: string;
  /** Written files relative to outDir. */
  files: string[];
  config: QwenVLConfig;
}

const GRAPHS = ['vision_encoder', 'embed_tokens', 'decoder_model_merged'] as const;
type GraphName = (typeof GRAPHS)[number];
const EXTERNAL_AUTO_BYTES = 1.8e9;

/** Files copied beside the graphs when the source folder has them (transformers.js reads these, §4). */
const COPIED = [
  'generation_config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.json',
  'merges.txt',
  'added_tokens.json',
  'chat_template.json',
];

/**
 * Exports a Hugging Face Qwen2-VL / Qwen2.5-VL folder to the three-graph ONNX layout transformers.js reads
 * (docs/runtime.md §4): `<out>/onnx/{vision_encoder,embed_tokens,decoder_model_merged}{,_fp16}.onnx` plus
 * config.json (flat keys and text_config), preprocessor and tokenizer files. Pure Node: graphs are built with
 * onnx-proto (§5). An adapter is merged into the weights first.
 */
export async function exportOnnx(hfDir: string, outDir: string, opts: ExportOnnxOptions = {}): Promise<ExportOnnxResult> {
  const dtype = opts.dtype ?? 'fp32';
  if (dtype !== 'fp32' && dtype !== 'fp16' && dtype !== 'int8') {
    throw new EvolmmError('INVALID_ARGUMENT', `export dtype must be 'fp32', 'fp16' or 'int8'; found '${String(dtype)}'`);
  }
  const externalMode = opts.externalData ?? 'auto';
  if (!existsSync(hfDir) || !statSync(hfDir).isDirectory()) {
    throw new EvolmmError('NOT_FOUND', `model folder ${hfDir} does not exist; expected a Hugging Face Qwen2-VL or Qwen2.5-VL folder (config.json + *.safetensors)`, { details: { path: hfDir } });
  }
  if (!existsSync(join(hfDir, 'config.json'))) {
    throw new EvolmmError('NOT_FOUND', `${hfDir} has no config.json; expected a Hugging Face Qwen2-VL or Qwen2.5-VL folder`, { details: { path: hfDir } });
  }
  const config = await loadConfig(hfDir);
  const log = opts.log ?? (() => {});
  const store = openWeights(hfDir);
  try {
    const src: WeightSource = opts.adapter ? mergeLora(store, readLoraAdapter(opts.adapter)) : store;
    if (opts.adapter) log(`merging LoRA adapter ${opts.adapter}`);
    const onnxDir = join(outDir, 'onnx');
    mkdirSync(onnxDir, { recursive: true });
    const suffix = dtype === 'fp32' ? '' : `_${dtype}`;
    const files: string[] = [];
    const externalFiles: Record<string, number> = {};
    for (const graph of GRAPHS) {
      const fileName = `${graph}${suffix}.onnx`;
      // int8 keeps the embedding table fp32 (a Gather reads one row per token); its linear layers cost ~1.1 B/weight.
      const bytesPerWeight = dtype === 'fp16' ? 2 : dtype === 'int8' && graph !== 'embed_tokens' ? 1.2 : 4;
      const weightBytes = graphWeightCount(store, config, graph) * bytesPerWeight;
      const external = externalMode === 'always' || (externalMode === 'auto' && weightBytes > EXTERNAL_AUTO_BYTES);
      if (!external && weightBytes > EXTERNAL_AUTO_BYTES) {
        throw new EvolmmError('UNSUPPORTED', `${graph} has ${(weightBytes / 1e9).toFixed(2)} GB of weights; ONNX protobufs cannot exceed 2 GB, so use externalData 'auto' or 'always'`);
      }
      const modelPath = join(onnxDir, fileName);
      const dataPath = `${modelPath}_data`;
      rmSync(dataPath, { force: true });
      const writer = external ? new ExternalDataWriter(`${dataPath}.partial`, dataPath) : undefined;
      log(`building ${fileName}${external ? ' (external data)' : ''}`);
      let bytes: Uint8Array;
      try {
        const g = new GraphBuilder({ weightDtype: dtype, external: writer, int8AccuracyLevel: opts.int8Activations === 'fp32' ? 1 : 4 });
        if (graph === 'vision_encoder') buildVisionEncoder(g, src, config);
        else if (graph === 'embed_tokens') buildEmbedTokens(g, src, config);
        else buildTextDecoder(g, src, config);
        bytes = encodeModel(g.build(graph));
      } finally {
        writer?.close();
      }
      // The proto records the data file's final base name; rename it into place before the model appears.
      if (writer) {
        renameSync(`${dataPath}.partial`, dataPath);
        externalFiles[fileName] = 1;
        files.push(`onnx/${fileName}_data`);
      }
      writeFileSync(`${modelPath}.partial`, bytes);
      renameSync(`${modelPath}.partial`, modelPath);
      files.push(`onnx/${fileName}`);
    }
    for (const f of COPIED) {
      if (existsSync(join(hfDir, f))) {
        copyFileSync(join(hfDir, f), join(outDir, f));
        files.push(f);
      }
    }
    if (!existsSync(join(outDir, 'preprocessor_config.json'))) {
      writeJsonAtomic(join(outDir, 'preprocessor_config.json'), defaultPreprocessorConfig(config));
      files.push('preprocessor_config.json');
    }
    mergeChatTemplate(hfDir, outDir);
    writeJsonAtomic(join(outDir, 'config.json'), exportedConfig(config, { ...previousExternal(outDir, suffix), ...externalFiles }));
    files.push('config.json');
    return { outDir, files, config };
  } finally {
    store.close();
  }
}

/**
 * External-data entries of other dtypes already exported into `outDir` (fp32 and fp16 can share one folder), so
 * rewriting config.json keeps them.
 */
function previousExternal(outDir: string, suffix: string): Record<string, number> {
  const file = join(outDir, 'config.json');
  if (!existsSync(file)) return {};
  try {
    const prev = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { use_external_data_format?: Record<string, number> } | undefined>;
    const entries = Object.entries(prev['transformers.js_config']?.use_external_data_format ?? {});
    return Object.fromEntries(entries.filter(([f]) => !GRAPHS.some((g) => f === `${g}${suffix}.onnx`)));
  } catch {
    return {};
  }
}

/** Number of weights each graph stores (decides external data before building). */
function graphWeightCount(store: { names: readonly string[]; info(n: string): { shape: number[] } }, config: QwenVLConfig, graph: GraphName): number {
  const numel = (n: string) => store.info(n).shape.reduce((a, b) => a * b, 1);
  let total = 0;
  for (const n of store.names) {
    const isVision = n.startsWith('visual.');
    if (graph === 'vision_encoder' ? isVision : graph === 'embed_tokens' ? n === 'model.embed_tokens.weight' : !isVision) total += numel(n);
  }
  // A tied decoder stores the embedding table a second time as its output projection.
  if (graph === 'decoder_model_merged' && !store.names.includes('lm_head.weight')) total += config.text.vocabSize * config.text.hiddenSize;
  return total;
}

/**
 * config.json for the export: the source keys, plus the text dims both flat (qwen2_vl reads them there) and under
 * text_config (qwen2_5_vl reads them only there) — docs/runtime.md §4 pitfall.
 */
export function exportedConfig(config: QwenVLConfig, externalFiles: Record<string, number> = {}): Record<string, unknown> {
  const t = config.text;
  const modelType = config.variant === 'qwen2.5-vl' ? 'qwen2_5_vl' : 'qwen2_vl';
  const textKeys = {
    hidden_size: t.hiddenSize,
    intermediate_size: t.intermediateSize,
    num_hidden_layers: t.numHiddenLayers,
    num_attention_heads: t.numAttentionHeads,
    num_key_value_heads: t.numKeyValueHeads,
    head_dim: t.headDim,
    vocab_size: t.vocabSize,
    rms_norm_eps: t.rmsNormEps,
    rope_theta: t.ropeTheta,
    rope_scaling: { type: 'mrope', rope_type: 'default', mrope_section: t.mropeSection },
    tie_word_embeddings: t.tieWordEmbeddings,
  };
  const raw = config.raw;
  const rawText = typeof raw.text_config === 'object' && raw.text_config !== null ? (raw.text_config as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {
    ...raw,
    ...textKeys,
    model_type: modelType,
    architectures: [config.variant === 'qwen2.5-vl' ? 'Qwen2_5_VLForConditionalGeneration' : 'Qwen2VLForConditionalGeneration'],
    text_config: { ...rawText, ...textKeys, model_type: `${modelType}_text` },
    image_token_id: config.imageTokenId,
    video_token_id: config.videoTokenId,
    vision_start_token_id: config.visionStartTokenId,
    vision_end_token_id: config.visionEndTokenId,
    bos_token_id: config.bosTokenId,
    eos_token_id: config.eosTokenIds.length === 1 ? config.eosTokenIds[0] : config.eosTokenIds,
    pad_token_id: config.padTokenId,
  };
  if (Object.keys(externalFiles).length > 0) {
    const prev = (raw['transformers.js_config'] as Record<string, unknown> | undefined) ?? {};
    out['transformers.js_config'] = { ...prev, use_external_data_format: externalFiles };
  }
  return out;
}

/** Qwen2VLImageProcessor defaults (docs/runtime.md §3.6), for source folders without a preprocessor config. */
function defaultPreprocessorConfig(config: QwenVLConfig): Record<string, unknown> {
  const v = config.vision;
  return {
    image_processor_type: 'Qwen2VLImageProcessor',
    processor_class: config.variant === 'qwen2.5-vl' ? 'Qwen2_5_VLProcessor' : 'Qwen2VLProcessor',
    do_resize: true,
    do_rescale: true,
    do_normalize: true,
    do_convert_rgb: true,
    resample: 3,
    rescale_factor: 1 / 255,
    image_mean: [0.48145466, 0.4578275, 0.40821073],
    image_std: [0.26862954, 0.26130258, 0.27577711],
    min_pixels: 3136,
    max_pixels: 12845056,
    patch_size: v.patchSize,
    temporal_patch_size: v.temporalPatchSize,
    merge_size: v.spatialMergeSize,
  };
}

/** transformers.js reads the template from tokenizer_config.json; newer HF folders keep it in chat_template.json. */
function mergeChatTemplate(hfDir: string, outDir: string): void {
  const tplPath = join(hfDir, 'chat_template.json');
  const tokCfgPath = join(outDir, 'tokenizer_config.json');
  if (!existsSync(tplPath) || !existsSync(tokCfgPath)) return;
  const tokCfg = JSON.parse(readFileSync(tokCfgPath, 'utf8')) as Record<string, unknown>;
  if (tokCfg.chat_template) return;
  const tpl = JSON.parse(readFileSync(tplPath, 'utf8')) as { chat_template?: string };
  if (tpl.chat_template) writeFileSync(tokCfgPath, JSON.stringify({ ...tokCfg, chat_template: tpl.chat_template }, null, 2));
}

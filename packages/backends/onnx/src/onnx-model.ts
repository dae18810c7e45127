import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import {
  createRng,
  EvolmmError,
  throwIfAborted,
  type Completion,
  type GenerateRequest,
  type Rng,
  type VisionLanguageModel,
} from '@evolmm/core';
import { loadConfig, loadProcessor, sampleToken, StopChecker, type PreparedInput, type QwenProcessor, type QwenVLConfig } from '@evolmm/qwen-vl';
import { OnnxRunner, selectRows, tileCache, type KvCache, type KvCacheOptions } from './onnx-runner.js';
import { openSessions, type OnnxDevice } from './sessions.js';

export interface LoadOnnxModelOptions {
  /** 'auto' (default): CUDA if its provider loads, else CPU with one log line; 'cuda' likewise; 'cpu'. */
  device?: OnnxDevice;
  /** CPU threads; default all cores. */
  threads?: number;
  /**
   * Which graph files to load: 'fp32' → `<graph>.onnx`, 'fp16' → `<graph>_fp16.onnx`, or any other transformers.js
   * suffix name ('q8' → `_q8`, 'quantized' → `_quantized`). Default: fp32 if present, else fp16.
   */
  dtype?: string;
  /** The line naming the execution provider (and a CUDA fallback reason) goes here; default console.warn. */
  log?: (line: string) => void;
  /** Model id; default `onnx:<dir>`. */
  id?: string;
  /** KV-cache handling (defaults: in place when the graphs allow it, blocks of 64 positions). */
  kvCache?: KvCacheOptions;
}

/** Full-sequence logits of one prompt: row-major [seqLen, vocabSize]. */
export interface PromptLogits {
  logits: Float32Array;
  seqLen: number;
  vocabSize: number;
}

export interface OnnxModel extends VisionLanguageModel {
  readonly config: QwenVLConfig;
  readonly processor: QwenProcessor;
  /** The execution provider in use after any fallback. */
  readonly provider: 'cuda' | 'cpu';
  /** Logits for every prompt position (no KV cache, one decoder call): the parity hook for tests. */
  forwardLogits(prepared: PreparedInput): Promise<PromptLogits>;
  /** @internal low-level runner (perf measurement). */
  readonly runner: OnnxRunner;
}

/**
 * Loads an ONNX folder in the transformers.js Qwen2(.5)-VL layout (ours from exportOnnx, or another tool's):
 * `<dir>/onnx/{vision_encoder,embed_tokens,decoder_model_merged}<suffix>.onnx` plus config and tokenizer files.
 */
export async function loadOnnxModel(dir: string, opts: LoadOnnxModelOptions = {}): Promise<OnnxModel> {
  const root = resolve(dir);
  const onnxDir = join(root, 'onnx');
  if (!existsSync(onnxDir)) {
    throw new EvolmmError('NOT_FOUND', `${root} has no onnx/ folder; expected the layout written by exportOnnx (run \`evolmm export-onnx <hf-folder> ${dir}\` first)`, { details: { path: root } });
  }
  const suffix = pickSuffix(onnxDir, opts.dtype);
  const paths = ['vision_encoder', 'embed_tokens', 'decoder_model_merged'].map((g) => join(onnxDir, `${g}${suffix}.onnx`));
  const config = await loadConfig(root);
  const processor = await loadProcessor(root, config);
  const { sessions, provider } = await openSessions(paths, { device: opts.device, threads: opts.threads, log: opts.log });
  const runner = new OnnxRunner(config, sessions[0], sessions[1], sessions[2], opts.kvCache);
  let disposed = false;

  const model: OnnxModel = {
    specificationVersion: 'v1',
    id: opts.id ?? `onnx:${dir}`,
    config,
    processor,
    provider,
    runner,
    async forwardLogits(prepared) {
      const embeds = await runner.promptEmbeds(prepared);
      const { logits } = await runner.decode(embeds, prepared.positionIds, runner.emptyCache(1), 0);
      return { logits, seqLen: prepared.inputIds.length, vocabSize: logits.length / prepared.inputIds.length };
    },
    async generate(req) {
      if (disposed) throw new EvolmmError('INVALID_ARGUMENT', `${model.id} was disposed; load it again`);
      return generate(runner, processor, req);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await Promise.all(sessions.map((s) => s.release()));
    },
  };
  return model;
}

/** Picks the graph suffix; errors list what the folder has. */
function pickSuffix(onnxDir: string, dtype: string | undefined): string {
  const files = readdirSync(onnxDir).filter((f) => f.startsWith('decoder_model_merged') && f.endsWith('.onnx'));
  const suffixes = files.map((f) => f.slice('decoder_model_merged'.length, -'.onnx'.length));
  const wanted = dtype === undefined ? (suffixes.includes('') ? '' : suffixes.includes('_fp16') ? '_fp16' : undefined) : dtype === 'fp32' ? '' : `_${dtype}`;
  const label = (s: string) => (s === '' ? 'fp32' : s.slice(1));
  if (wanted === undefined || !suffixes.includes(wanted)) {
    throw new EvolmmError(
      'NOT_FOUND',
      `${onnxDir} has no decoder_model_merged${wanted ?? ''}.onnx${dtype ? ` for dtype '${dtype}'` : ''}; available dtypes: ${suffixes.map(label).join(', ') || 'none'}`,
      { details: { path: onnxDir, available: suffixes.map(label) } },
    );
  }
  for (const g of ['vision_encoder', 'embed_tokens']) {
    if (!existsSync(join(onnxDir, `${g}${wanted}.onnx`))) {
      throw new EvolmmError('NOT_FOUND', `${onnxDir} has decoder_model_merged${wanted}.onnx but no ${g}${wanted}.onnx; re-export the folder`);
    }
  }
  return wanted;
}

/**
 * n samples for one prompt (core GenerateRequest). The prompt and image are prefilled once with batch 1; the KV
 * cache is tiled to n rows and the samples decode as one batch; a finished sample leaves the batch. Sample i draws
 * from createRng(seed, i) through qwen-vl's sampleToken, so a seed gives the same text on every backend.
 */
async function generate(runner: OnnxRunner, processor: QwenProcessor, req: GenerateRequest): Promise<Completion[]> {
  const n = req.n ?? 1;
  const maxNewTokens = req.maxNewTokens ?? 128;
  const sampling = { temperature: req.temperature ?? 1, topP: req.topP ?? 1, topK: req.topK ?? 0 };
  if (!(Number.isInteger(n) && n >= 1)) throw new EvolmmError('INVALID_ARGUMENT', `n must be a positive integer; found ${n}`);
  if (!(Number.isInteger(maxNewTokens) && maxNewTokens >= 1)) throw new EvolmmError('INVALID_ARGUMENT', `maxNewTokens must be a positive integer; found ${maxNewTokens}`);
  if (req.adapter !== undefined) {
    throw new EvolmmError('UNSUPPORTED', `the ONNX backend has no runtime adapters (requested '${req.adapter}'); merge the adapter at export time with exportOnnx(..., { adapter })`);
  }
  throwIfAborted(req.signal, 'generate');
  // No seed: a fresh random one, so unseeded calls differ (core: the seed is what makes samples reproducible).
  const seed = req.seed ?? randomInt(2 ** 31);
  const rngs: Rng[] = Array.from({ length: n }, (_, i) => createRng(seed, i));
  const checkers = Array.from({ length: n }, () => new StopChecker(processor.tokenizer, processor.stopTokenIds, req.stop ?? []));

  const prepared = await processor.prepare(req.messages, { addGenerationPrompt: true });
  const L = prepared.inputIds.length;
  const prefill = await runner.decode(await runner.promptEmbeds(prepared), prepared.positionIds, runner.emptyCache(1), 1);
  const V = prefill.logits.length;

  // Every sample starts from the same last-position logits.
  let active: number[] = [];
  let tokens: number[] = [];
  for (let i = 0; i < n; i++) {
    const { token, logprob } = sampleToken(prefill.logits, sampling, rngs[i]);
    if (!checkers[i].push(token, logprob) && maxNewTokens > 1) {
      active.push(i);
      tokens.push(token);
    }
  }
  let cache: KvCache = active.length > 0 ? tileCache(prefill.cache, active.length) : prefill.cache;
  for (let step = 1; step < maxNewTokens && active.length > 0; step++) {
    throwIfAborted(req.signal, 'generate');
    const b = active.length;
    const position = L + step - 1 + prepared.ropeDelta; // absolute index of the fed token + rope delta (§3.4)
    const pos = new Array(b).fill(position);
    const out = await runner.decode(await runner.embedTokens(tokens, b), [pos, pos, pos], cache, 1);
    const keepRows: number[] = [];
    const nextActive: number[] = [];
    const nextTokens: number[] = [];
    for (let r = 0; r < b; r++) {
      const i = active[r];
      const { token, logprob } = sampleToken(out.logits.subarray(r * V, (r + 1) * V), sampling, rngs[i]);
      if (!checkers[i].push(token, logprob) && step + 1 < maxNewTokens) {
        keepRows.push(r);
        nextActive.push(i);
        nextTokens.push(token);
      }
    }
    cache = keepRows.length === b ? out.cache : selectRows(out.cache, keepRows);
    active = nextActive;
    tokens = nextTokens;
  }
  return checkers.map((c) => c.finish({ logprobs: req.logprobs }));
}

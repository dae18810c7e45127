import { performance } from 'node:perf_hooks';
import { createRng } from '@evolmm/core';
import { argmax } from '@evolmm/qwen-vl';
import type { OnnxModel } from './onnx-model.js';
import { tileCache } from './onnx-runner.js';

export interface ThroughputOptions {
  /** Prompt length in tokens (text only). Default 256. */
  promptTokens?: number;
  /** Samples decoded together from the shared prefill. Default 5 (EvoLMM's N). */
  samples?: number;
  /** New tokens per sample; stop tokens are ignored so every sample decodes them all. Default 64. */
  newTokens?: number;
  /** Untimed warm-up prefill + decode steps first. Default true. */
  warmup?: boolean;
  /** Timed runs; the fastest prefill and the fastest decode are reported (a shared machine's noise only slows). Default 1. */
  repeats?: number;
  seed?: number;
}

export interface ThroughputResult {
  promptTokens: number;
  samples: number;
  newTokens: number;
  prefillMs: number;
  /** promptTokens / prefill seconds (batch 1, last-position logits only). */
  prefillTokensPerSec: number;
  decodeMs: number;
  /** samples·newTokens / decode seconds (KV-cache decode of the batch, cache tiled from one prefill). */
  decodeTokensPerSec: number;
  /** Decoder steps per second (each step produces `samples` tokens). */
  decodeStepsPerSec: number;
}

/**
 * Times prefill and n-sample decode on a loaded model with random prompt tokens, the way `bench:perf` reports them
 * (issue 10). Greedy, stop tokens ignored. Never assert on these numbers in tests.
 */
export async function measureThroughput(model: OnnxModel, opts: ThroughputOptions = {}): Promise<ThroughputResult> {
  const promptTokens = opts.promptTokens ?? 256;
  const samples = opts.samples ?? 5;
  const newTokens = opts.newTokens ?? 64;
  const runner = model.runner;
  const rng = createRng(opts.seed ?? 0);
  const vocabLimit = Math.min(model.config.imageTokenId, model.config.text.vocabSize) - 16; // plain text ids, never image pads
  const ids = Array.from({ length: promptTokens }, () => rng.nextInt(vocabLimit));
  const pos = Array.from({ length: promptTokens }, (_, i) => i);

  const run = async (steps: number) => {
    const t0 = performance.now();
    const pre = await runner.decode(await runner.embedTokens(ids, 1), [pos, pos, pos], runner.emptyCache(1), 1);
    const t1 = performance.now();
    let cache = tileCache(pre.cache, samples);
    let tokens = new Array(samples).fill(argmax(pre.logits));
    const V = pre.logits.length;
    for (let s = 0; s < steps; s++) {
      const p = new Array(samples).fill(promptTokens + s);
      const out = await runner.decode(await runner.embedTokens(tokens, samples), [p, p, p], cache, 1);
      cache = out.cache;
      tokens = tokens.map((_, r) => argmax(out.logits.subarray(r * V, (r + 1) * V)));
    }
    return { prefillMs: t1 - t0, decodeMs: performance.now() - t1 };
  };
  if (opts.warmup ?? true) await run(2);
  let prefillMs = Infinity;
  let decodeMs = Infinity;
  for (let i = 0; i < Math.max(1, opts.repeats ?? 1); i++) {
    const r = await run(newTokens);
    prefillMs = Math.min(prefillMs, r.prefillMs);
    decodeMs = Math.min(decodeMs, r.decodeMs);
  }
  return {
    promptTokens,
    samples,
    newTokens,
    prefillMs,
    prefillTokensPerSec: promptTokens / (prefillMs / 1000),
    decodeMs,
    decodeTokensPerSec: (samples * newTokens) / (decodeMs / 1000),
    decodeStepsPerSec: newTokens / (decodeMs / 1000),
  };
}

import * as tf from '@tensorflow/tfjs';
import { createRng } from '@evolmm/core';
import type { PreparedInput } from '@evolmm/qwen-vl';
import { loadTfjsModel, type TfjsModelOptions } from './model.js';

export interface TfjsBenchmarkOptions {
  /** Prompt length for prefill and training. Default 256. */
  promptTokens?: number;
  /** New tokens per sample in the decode timing. Default 64. */
  newTokens?: number;
  /** Samples decoded together (shared prompt cache). Default 5. */
  n?: number;
  /** Completion tokens per sample in the train step. Default 64. */
  completionTokens?: number;
  /** Samples in the train step. Default 5. */
  trainSamples?: number;
  /** β of the train step (> 0 includes the reference pass). Default 1e-3. */
  beta?: number;
  /** Timed repetitions of each measurement (after one warm-up). Default 1. */
  repeats?: number;
  /** Options for loadTfjsModel. */
  model?: TfjsModelOptions;
}

export interface TfjsBenchmarkResult {
  backend: string;
  promptTokens: number;
  prefillMs: number;
  prefillTokensPerSec: number;
  n: number;
  newTokens: number;
  /** Wall time of the N-sample decode, prefill excluded. */
  decodeMs: number;
  /** Generated tokens per second over all samples. */
  decodeTokensPerSec: number;
  trainSamples: number;
  completionTokens: number;
  trainStepMs: number;
  /** Tensors alive after all runs minus before (0 when nothing leaks). */
  tensorDelta: number;
  /** Matmul peak of this backend in the same process: GFLOP/s of a 1024² fp32 matMul. */
  matmulGflops: number;
}

/** A text-only prepared prompt of random ids below the special tokens (positions 0..P-1). */
function syntheticPrompt(P: number, vocab: number, seed: number): PreparedInput {
  const rng = createRng(seed);
  const ids = new Int32Array(P);
  for (let i = 0; i < P; i++) ids[i] = rng.nextInt(Math.min(vocab, 256));
  const pos = Int32Array.from({ length: P }, (_, i) => i);
  return { inputIds: ids, pixelValues: null, imageGridThw: [], positionIds: [pos, pos.slice(), pos.slice()], ropeDelta: 0 };
}

function matmulPeak(): number {
  const n = 1024;
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  tf.matMul(a, b).dispose();
  const t0 = performance.now();
  const reps = 3;
  for (let i = 0; i < reps; i++) tf.matMul(a, b).dataSync();
  const s = (performance.now() - t0) / 1000;
  tf.dispose([a, b]);
  return (2 * n * n * n * reps) / s / 1e9;
}

/**
 * Times prefill, N-sample decode (shared prompt cache) and one LoRA train step on a checkpoint folder, for
 * `npm run bench:perf`. Random prompt ids; every number is wall time in this process.
 */
export async function benchmarkTfjs(dir: string, options: TfjsBenchmarkOptions = {}): Promise<TfjsBenchmarkResult> {
  const P = options.promptTokens ?? 256;
  const newTokens = options.newTokens ?? 64;
  const n = options.n ?? 5;
  const L = options.completionTokens ?? 64;
  const S = options.trainSamples ?? 5;
  const repeats = Math.max(1, options.repeats ?? 1);
  const model = await loadTfjsModel(dir, { logBackend: false, ...options.model });
  try {
    const V = model.config.text.vocabSize;
    const prepared = syntheticPrompt(P, V, 1);
    const before = tf.memory().numTensors;
    await model.forwardLogits(syntheticPrompt(8, V, 2)); // warm-up
    const time = async (f: () => Promise<unknown> | unknown): Promise<number> => {
      let best = Infinity;
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        await f();
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    // Prefill: the same work generate does before its first token (one forward, last-position logits).
    const prefillMs = await time(() => model.generatePrepared(prepared, { n: 1, maxNewTokens: 1, seed: 1 }));
    // Decode: ignore stop tokens by asking for a stop-free budget; the end-of-turn token may still end samples
    // early on random weights, so the token count is what was actually generated.
    let generated = 0;
    const totalMs = await time(async () => {
      const out = await model.generatePrepared(prepared, { n, maxNewTokens: newTokens, seed: 7, temperature: 1 });
      generated = out.reduce((a, c) => a + c.tokenIds.length, 0);
    });
    const decodeMs = Math.max(1e-3, totalMs - prefillMs);
    const rng = createRng(3);
    const samples = Array.from({ length: S }, () => ({
      tokenIds: Array.from({ length: L }, () => rng.nextInt(Math.min(V, 256))),
      advantage: rng.next() - 0.5,
    }));
    const adapter = model.adapters[0];
    const trainStepMs = adapter
      ? await time(() => model.stepPrepared(prepared, { adapter, samples, beta: options.beta ?? 1e-3 }))
      : NaN;
    const tensorDelta = tf.memory().numTensors - before;
    return {
      backend: model.backend.name,
      promptTokens: P,
      prefillMs,
      prefillTokensPerSec: (P / prefillMs) * 1000,
      n,
      newTokens,
      decodeMs,
      decodeTokensPerSec: ((generated - n) / decodeMs) * 1000,
      trainSamples: S,
      completionTokens: L,
      trainStepMs,
      tensorDelta,
      matmulGflops: matmulPeak(),
    };
  } finally {
    await model.dispose();
  }
}

import { describe, expect, it } from 'vitest';
import { EvolmmError } from '@evolmm/core';
import type { QwenTextConfig } from '@evolmm/qwen-vl';
import { assertStepFitsWasmHeap, estimateStepBytes, type StepShape } from './step-memory.js';

// Qwen2-0.5B decoder dims (the 0.5B-shaped checkpoint of issue 10).
const cfg = {
  hiddenSize: 896,
  intermediateSize: 4864,
  numHiddenLayers: 24,
  numAttentionHeads: 14,
  numKeyValueHeads: 2,
  headDim: 64,
  vocabSize: 151936,
} as QwenTextConfig;
const weights = 1.93 * 1024 ** 3; // measured tf.memory().numBytes after loading it with the compact layout
const shape: StepShape = { promptTokens: 256, microBatch: 5, completionTokens: 64, recompute: true, layout: 'compact', lossChunk: 256 };

describe('wasm heap check of a LoRA step', () => {
  it('activation recomputation and smaller micro-batches lower the estimate', () => {
    const plain = estimateStepBytes(cfg, { ...shape, recompute: false });
    const rc = estimateStepBytes(cfg, shape);
    expect(rc).toBeLessThan(plain / 2);
    expect(estimateStepBytes(cfg, { ...shape, microBatch: 1 })).toBeLessThan(rc);
  });

  it('refuses the measured out-of-heap step with an EvolmmError that names what fits, and accepts the measured one', () => {
    // Measured: 5×64 after a 256-token prompt exhausted the heap; 2×16 after 64 prompt tokens peaked at 2.9 GB.
    let err: unknown;
    try {
      assertStepFitsWasmHeap(cfg, weights, shape);
    } catch (e) {
      err = e;
    }
    expect(EvolmmError.isInstance(err)).toBe(true);
    expect((err as EvolmmError).code).toBe('UNSUPPORTED');
    expect((err as Error).message).toMatch(/microBatchSize: \d/);
    expect((err as Error).message).toMatch(/tfjs-node/);
    expect(() => assertStepFitsWasmHeap(cfg, weights, { ...shape, promptTokens: 64, microBatch: 2, completionTokens: 16 })).not.toThrow();
  });
});

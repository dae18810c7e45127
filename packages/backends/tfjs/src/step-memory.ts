import { EvolmmError } from '@evolmm/core';
import type { QwenTextConfig } from '@evolmm/qwen-vl';

/** The wasm backend's heap is 32-bit; tfjs-backend-wasm 4.22 can grow it to 4 GB and aborts beyond (issue 10). */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;
/** Left free for allocator fragmentation and kernels' scratch buffers (measured peaks overshoot the sum of tensors). */
const HEAP_MARGIN_BYTES = 0.35 * 1024 ** 3;
/**
 * Heap growth per byte counted below, calibrated on two measurements (0.5B-shaped model, compact layout,
 * recompute, 2-core VM): a 2×16-token step after a 64-token prompt grew the heap from 1.94 to 2.91 GB (allocator
 * fragmentation between differently sized blocks, XNNPACK packing buffers and kernel scratch are not tensors); a
 * 5×64 step after 256 prompt tokens ran out of the 4 GB heap. A rough, conservative factor, not a model.
 */
const MEASURED_OVERHEAD = 4;

export interface StepShape {
  /** Prompt tokens (run once per micro-batch, batch 1). */
  promptTokens: number;
  /** Samples per micro-batch. */
  microBatch: number;
  /** Longest completion in the step. */
  completionTokens: number;
  recompute: boolean;
  /** Frozen-weight layout: 'compact' multiplies through temporary copies of one matrix at a time. */
  layout: 'fast' | 'compact';
  /** Positions per loss-head chunk. */
  lossChunk: number;
}

/**
 * Upper estimate of the transient bytes of one micro-batch of a LoRA step (the weights are counted by the caller).
 * Floats kept for the backward per token and layer without recomputation: the LoRA inputs and their dropout masks
 * (6·D + I each), the MLP's gate, sigmoid, products and up (5·I), norms, projections and residuals (~8·D), and
 * attention probabilities and scores per head over all keys. With recomputation a layer keeps its input and packed
 * outputs (2·D + 2·kvDim) and one layer at a time holds the full set.
 */
export function estimateStepBytes(cfg: QwenTextConfig, s: StepShape): number {
  const D = cfg.hiddenSize;
  const I = cfg.intermediateSize;
  const H = cfg.numAttentionHeads;
  const kvDim = cfg.numKeyValueHeads * cfg.headDim;
  const L = cfg.numHiddenLayers;
  const P = s.promptTokens;
  const W = Math.max(0, s.completionTokens - 1);
  const T = P + s.microBatch * W;
  const perTokenLayer = 2 * (6 * D + I) + 5 * I + 8 * D;
  const attn = 2 * H * (P * P + s.microBatch * W * (P + W)); // scores and probabilities
  const layer = T * perTokenLayer + attn;
  const kept = T * (2 * D + 2 * kvDim);
  const act = s.recompute ? L * kept + 2 * layer : L * (layer + kept);
  const maxMatrix = Math.max(D * I, D * (cfg.numAttentionHeads * cfg.headDim));
  const weightCopies = s.layout === 'compact' ? 3 * maxMatrix : 0;
  const block = Math.max(256, Math.min(Math.floor(2 ** 22 / s.lossChunk), Math.floor(2 ** 22 / D)));
  const M = s.microBatch * s.completionTokens;
  const head = 12 * Math.min(M, s.lossChunk) * Math.min(block, cfg.vocabSize) + 3 * Math.min(block, cfg.vocabSize) * D + 4 * M * D;
  return 4 * MEASURED_OVERHEAD * (act + weightCopies + head);
}

/**
 * Refuses, before any work, a step whose estimated peak exceeds the wasm heap (which would otherwise end the
 * process with `RuntimeError: Aborted()`), naming settings that fit.
 */
export function assertStepFitsWasmHeap(cfg: QwenTextConfig, liveBytes: number, s: StepShape): void {
  const need = liveBytes + estimateStepBytes(cfg, s);
  const limit = WASM_HEAP_BYTES - HEAP_MARGIN_BYTES;
  if (need <= limit) return;
  const fits = (x: Partial<StepShape>) => liveBytes + estimateStepBytes(cfg, { ...s, ...x }) <= limit;
  const hints: string[] = [];
  if (!s.recompute && fits({ recompute: true })) hints.push('set recompute: true');
  for (const recompute of s.recompute ? [true] : [false, true]) {
    let m = s.microBatch - 1;
    while (m >= 1 && !fits({ microBatch: m, recompute })) m--;
    if (m >= 1) {
      hints.push(`set microBatchSize: ${m}${recompute && !s.recompute ? ' with recompute: true' : ''}`);
      break;
    }
  }
  const GB = (b: number) => (b / 1024 ** 3).toFixed(2);
  throw new EvolmmError(
    'UNSUPPORTED',
    `this LoRA step needs about ${GB(need)} GB of the 4 GB wasm heap (model and state ${GB(liveBytes)} GB, step ` +
      `${GB(need - liveBytes)} GB for ${s.microBatch} sample(s) × ${s.completionTokens} tokens after a ${s.promptTokens}-token ` +
      `prompt, recompute ${s.recompute ? 'on' : 'off'}) and would abort the process. ` +
      `${hints.length ? `To fit: ${hints.join(', or ')}; or` : 'Shorter prompts or completions would be needed;'} ` +
      `use @tensorflow/tfjs-node (backend 'native'), which has no 4 GB limit.`,
  );
}

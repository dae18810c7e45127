import type { ChatMessage, VisionLanguageModel } from './model.js';

/**
 * A backend that can learn. One optimiser step per `step()` call; the loss of docs/method.md §6.2:
 *   L = mean over samples of [ advantage · NLL(c) + β · KL(π ‖ π_ref) ]
 * NLL is the length-normalised token cross-entropy of the completion; KL is the exact full-vocabulary KL per
 * completion position, averaged, against the same weights with every adapter disabled (no gradient, no dropout).
 */
export interface TrainablePolicy extends VisionLanguageModel {
  /** LoRA adapters this policy holds, e.g. ['default', 'proposer']. */
  readonly adapters: readonly string[];
  /** One update of `batch.adapter`'s parameters only (the other adapters stay bit-identical, docs/method.md D2). */
  step(batch: PolicyBatch): Promise<StepStats>;
  /** Token ids of a completion text as the model would emit it (no special tokens added). Used by SFT. */
  encode(text: string): number[];
  /** The end-of-turn token id that terminates a completion (Qwen: <|im_end|>). */
  readonly endOfTurnTokenId: number;
  /** Adapters (PEFT layout, one sub-folder each), optimiser states, RNG state. Written atomically. */
  saveCheckpoint(dir: string): Promise<void>;
  loadCheckpoint(dir: string): Promise<void>;
  /** Save one adapter in the PEFT layout (adapter_config.json + adapter_model.safetensors). */
  saveAdapter(name: string, dir: string): Promise<void>;
}

export interface PolicySample {
  /** The sampled completion token ids, including the end-of-turn token when it was sampled (D7). */
  readonly tokenIds: readonly number[];
  /** (r − b): the multiplier of this sample's NLL. SFT uses 1. */
  readonly advantage: number;
}

export interface PolicyBatch {
  /** The adapter (role) to update; the others are frozen for this step. */
  readonly adapter: string;
  /** The prompt the samples were generated from (rendered with add_generation_prompt). */
  readonly messages: readonly ChatMessage[];
  readonly samples: readonly PolicySample[];
  /** KL coefficient β for this step (the loop adapts it, docs/method.md §6.2). 0 skips the reference pass. */
  readonly beta: number;
  /** Override the learning rate for this step. */
  readonly learningRate?: number;
}

export interface StepStats {
  /** The loss that was minimised (mean over samples). */
  readonly loss: number;
  /** Per-sample mean token NLL, before the update. */
  readonly nll: readonly number[];
  /** Per-sample mean per-token KL(π‖π_ref), before the update. */
  readonly kl: readonly number[];
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Completion tokens trained on. */
  readonly tokens: number;
  readonly ms: number;
}

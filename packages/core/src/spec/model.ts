/**
 * The model contract: what every backend (tfjs, onnx, openai, ...) provides.
 * Shape follows the AI SDK's provider spec: plain data in, plain data out, versioned.
 */

/** An image given to a model: a file path, a `data:` URL, encoded bytes (PNG/JPEG/WebP...), or decoded RGB(A) pixels. */
export type ImageInput = string | URL | Uint8Array | RawImage;

/** Decoded pixels, row-major, interleaved channels (3 = RGB, 4 = RGBA; alpha is dropped by backends). */
export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
  readonly data: Uint8Array;
}

export interface TextPart {
  readonly type: 'text';
  readonly text: string;
}

export interface ImagePart {
  readonly type: 'image';
  readonly image: ImageInput;
}

export type ContentPart = TextPart | ImagePart;

export type ChatRole = 'system' | 'user' | 'assistant';

/** One chat turn. `content` is a string or an ordered list of text and image parts (Qwen: images first). */
export interface ChatMessage {
  readonly role: ChatRole;
  readonly content: string | readonly ContentPart[];
}

/**
 * One generation call: `n` samples for one prompt. Every sampling parameter is explicit; a backend never merges a
 * checkpoint's generation_config.json silently (docs/method.md §9 D3).
 */
export interface GenerateRequest {
  readonly messages: readonly ChatMessage[];
  /** Samples for this prompt. Default 1. */
  readonly n?: number;
  /** Default 128 (the EvoLMM solver/proposer limit). */
  readonly maxNewTokens?: number;
  /** 0 means greedy. Default 1.0. */
  readonly temperature?: number;
  /** Nucleus sampling mass; 1 disables it. Default 1.0. */
  readonly topP?: number;
  /** 0 disables top-k. Default 0. */
  readonly topK?: number;
  /** Seed of the sampler; sample i uses stream (seed, i), so the same seed gives the same samples. */
  readonly seed?: number;
  /** Extra stop strings; the output is cut before the first one. The model's end-of-turn token always stops. */
  readonly stop?: readonly string[];
  /** Return per-token log-probabilities of the sampled tokens under the sampling distribution's model (T=1). */
  readonly logprobs?: boolean;
  /** Which LoRA adapter is active ("default" = the solver). Backends without adapters accept only undefined. */
  readonly adapter?: string;
  readonly signal?: AbortSignal;
}

export interface Completion {
  /** Decoded text with special tokens skipped, cut before any stop string. */
  readonly text: string;
  /**
   * The sampled token ids, including the terminating end-of-turn token when finishReason is 'stop' by that token,
   * so a trainer can train on exactly what was sampled (docs/method.md §9 D7).
   */
  readonly tokenIds: readonly number[];
  /** log π(token) for each entry of tokenIds, when requested and supported. */
  readonly logprobs?: readonly number[];
  readonly finishReason: 'stop' | 'length';
}

export interface VisionLanguageModel {
  readonly specificationVersion: 'v1';
  /** "backend:location", e.g. "onnx:./models/qwen2.5-vl-3b". */
  readonly id: string;
  generate(req: GenerateRequest): Promise<Completion[]>;
  dispose(): Promise<void>;
}

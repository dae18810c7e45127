import type { ChatMessage, GenerateRequest } from './model.js';

export interface LoadOptions {
  /** Folder or file where the benchmark data lives (official files or the Hugging Face parquet release). */
  readonly dataDir?: string;
  readonly split?: string;
  /** Take only the first N items (after any filtering). */
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

export interface ItemScore {
  readonly id: string;
  readonly correct: boolean;
  /** The answer after the benchmark's extraction and normalisation (what was compared). */
  readonly prediction: string | null;
  /** The breakdown fields this item counts under (MathVista: question_type, skills, ...; MATH-V: level, subject). */
  readonly groups?: Readonly<Record<string, string | readonly string[]>>;
}

export interface BreakdownEntry {
  readonly correct: number;
  readonly total: number;
  readonly accuracy: number;
}

export interface BenchSummary {
  readonly benchmark: string;
  readonly correct: number;
  readonly total: number;
  /** In percent, 0..100. */
  readonly accuracy: number;
  /** breakdown name → group value → counts. */
  readonly breakdowns: Readonly<Record<string, Readonly<Record<string, BreakdownEntry>>>>;
}

export interface Benchmark<Item> {
  readonly name: string;
  /** Decoding settings of the official setup (e.g. ChartQA: greedy, 16 new tokens). */
  readonly generation: Pick<GenerateRequest, 'maxNewTokens' | 'temperature' | 'stop'>;
  items(opts?: LoadOptions): AsyncIterable<Item>;
  /** A stable id of the item, unique within the benchmark split. */
  id(item: Item): string;
  /** The prompt as the common Qwen2.5-VL evaluation setups send it (overridable). */
  prompt(item: Item): ChatMessage[];
  /** Official rules; pure and synchronous; never throws on arbitrary model output. */
  score(item: Item, output: string): ItemScore;
  summarize(scores: readonly ItemScore[]): BenchSummary;
}

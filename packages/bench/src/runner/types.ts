import type { Benchmark, BenchSummary, GenerateRequest, LoadOptions, VisionLanguageModel } from '@evolmm/core';

export interface BenchModelEntry {
  /** Label of the model in reports and in the cache key (give a new id to a retrained checkpoint). */
  readonly id: string;
  readonly model: VisionLanguageModel;
  /** Generate calls in flight at once for this model. Default 1. */
  readonly concurrency?: number;
}

/** Decoding settings that override every benchmark's own (`Benchmark.generation`). */
export type GenerationOverrides = Pick<GenerateRequest, 'maxNewTokens' | 'temperature' | 'topP' | 'topK' | 'seed' | 'stop'>;

export interface BenchProgress {
  readonly model: string;
  readonly benchmark: string;
  readonly item: string;
  /** Items finished in the whole run so far, and the run's total (models × items). */
  readonly done: number;
  readonly total: number;
  /** The output came from the cache. */
  readonly cached: boolean;
}

export interface RunBenchOptions {
  readonly models: readonly BenchModelEntry[];
  // Benchmarks of any item type; the runner only passes items back to the benchmark that made them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly benchmarks: readonly Benchmark<any>[];
  /** Only the first N items of each benchmark. */
  readonly limit?: number;
  /** Where the cache and (unless `report: false`) results.json, results.md and report.html go. */
  readonly outDir: string;
  /** The JSONL cache of model outputs. Default `<outDir>/cache.jsonl`. */
  readonly cacheFile?: string;
  readonly generation?: GenerationOverrides;
  /** Per-benchmark load options (dataDir, split), by benchmark name. */
  readonly loadOptions?: Readonly<Record<string, LoadOptions>>;
  /** Run the models at the same time rather than one after another (default false: throughput is then per model). */
  readonly parallelModels?: boolean;
  /** Write the reports into outDir at the end. Default true. */
  readonly report?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: BenchProgress) => void;
}

/** One line of the cache file. */
export interface BenchCacheRecord {
  readonly v: 1;
  readonly key: string;
  readonly model: string;
  readonly benchmark: string;
  readonly item: string;
  readonly output: string;
  readonly finishReason: 'stop' | 'length';
  /** Generated tokens (Completion.tokenIds.length). */
  readonly tokens: number;
  readonly latencyMs: number;
  readonly time: string;
}

export interface BenchItemResult {
  readonly id: string;
  readonly output: string;
  readonly prediction: string | null;
  readonly correct: boolean;
  readonly groups?: Readonly<Record<string, string | readonly string[]>>;
  readonly tokens: number;
  readonly latencyMs: number;
  readonly finishReason: 'stop' | 'length';
  /** Taken from the cache rather than generated in this run. */
  readonly cached: boolean;
}

export interface Throughput {
  readonly items: number;
  /** Items generated in this run (the rest came from the cache). */
  readonly generated: number;
  readonly tokens: number;
  /** Sum of per-item latencies (generate call time), including cached items' recorded latencies. */
  readonly latencyMs: number;
  readonly meanLatencyMs: number;
  /** tokens / summed latency: the rate of one generate call stream. */
  readonly tokensPerSecond: number;
  readonly itemsPerSecond: number;
}

export interface BenchResult {
  readonly model: string;
  readonly benchmark: string;
  readonly summary: BenchSummary;
  readonly throughput: Throughput;
  readonly items: readonly BenchItemResult[];
}

export interface BenchRun {
  readonly version: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly cacheFile: string;
  readonly generation?: GenerationOverrides;
  readonly limit?: number;
  readonly models: ReadonlyArray<{ readonly id: string; readonly modelId: string; readonly concurrency: number; readonly wallMs: number }>;
  readonly benchmarks: readonly string[];
  /** One per model × benchmark, in model order then benchmark order. */
  readonly results: readonly BenchResult[];
}

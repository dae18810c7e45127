export { runBench } from './run-bench.js';
export { cacheKey, promptDigest } from './cache-key.js';
export type {
  BenchCacheRecord,
  BenchItemResult,
  BenchModelEntry,
  BenchProgress,
  BenchResult,
  BenchRun,
  GenerationOverrides,
  RunBenchOptions,
  Throughput,
} from './types.js';

import type { BenchItemResult, Throughput } from './types.js';

/** Token and item rates from per-item latencies (so cached items keep the rates they were measured at). */
export function throughput(items: readonly BenchItemResult[]): Throughput {
  const tokens = items.reduce((a, r) => a + r.tokens, 0);
  const latencyMs = items.reduce((a, r) => a + r.latencyMs, 0);
  const seconds = latencyMs / 1000;
  return {
    items: items.length,
    generated: items.filter((r) => !r.cached).length,
    tokens,
    latencyMs,
    meanLatencyMs: items.length === 0 ? 0 : latencyMs / items.length,
    tokensPerSecond: seconds > 0 ? tokens / seconds : 0,
    itemsPerSecond: seconds > 0 ? items.length / seconds : 0,
  };
}

/** Turns item scores into core's BenchSummary: totals and counts per breakdown group (accuracy in percent). */
import type { BenchSummary, BreakdownEntry, ItemScore } from '@evolmm/core';

export function summarizeScores(benchmark: string, scores: readonly ItemScore[]): BenchSummary {
  let correct = 0;
  const breakdowns: Record<string, Record<string, { correct: number; total: number }>> = {};
  for (const s of scores) {
    if (s.correct) correct++;
    for (const [name, value] of Object.entries(s.groups ?? {})) {
      const group = (breakdowns[name] ??= {});
      const values = typeof value === 'string' ? [value] : [...new Set(value)];
      for (const v of values) {
        const e = (group[v] ??= { correct: 0, total: 0 });
        e.total++;
        if (s.correct) e.correct++;
      }
    }
  }
  const withAccuracy: Record<string, Record<string, BreakdownEntry>> = {};
  for (const [name, group] of Object.entries(breakdowns)) {
    withAccuracy[name] = Object.fromEntries(
      Object.entries(group).map(([k, e]) => [k, { ...e, accuracy: e.total === 0 ? 0 : (100 * e.correct) / e.total }]),
    );
  }
  const total = scores.length;
  return { benchmark, correct, total, accuracy: total === 0 ? 0 : (100 * correct) / total, breakdowns: withAccuracy };
}

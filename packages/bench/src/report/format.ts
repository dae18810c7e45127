import type { BreakdownEntry } from '@evolmm/core';

/** "84.00 (21/25)": accuracy in percent with 2 decimals, then the counts. */
export function formatAccuracy(e: Pick<BreakdownEntry, 'correct' | 'total' | 'accuracy'> | undefined): string {
  if (!e) return '–';
  return `${e.accuracy.toFixed(2)} (${e.correct}/${e.total})`;
}

export function formatRate(agree: number, total: number): string {
  return total === 0 ? '–' : `${((100 * agree) / total).toFixed(2)}% (${agree}/${total})`;
}

export function formatNumber(v: number, digits = 2): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}

/** Group values of one breakdown across models, in first-seen order. */
export function breakdownGroups(entries: ReadonlyArray<Readonly<Record<string, BreakdownEntry>> | undefined>): string[] {
  const seen = new Set<string>();
  for (const e of entries) for (const k of Object.keys(e ?? {})) seen.add(k);
  return [...seen];
}

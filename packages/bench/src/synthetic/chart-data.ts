import { EvolmmError, type Rng } from '@evolmm/core';
import type { ChartStyle } from './chart-style.js';
import type { ChartData, ChartKind } from './chart-types.js';

/** Category letters. I, O and Q are left out: at chart sizes they read as 1 and 0. */
export const CATEGORY_LETTERS = 'ABCDEFGHJKLMNPRSTUVWXYZ';
export const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
export const MONTH_NAMES: Readonly<Record<string, string>> = {
  JAN: 'JANUARY',
  FEB: 'FEBRUARY',
  MAR: 'MARCH',
  APR: 'APRIL',
  MAY: 'MAY',
  JUN: 'JUNE',
  JUL: 'JULY',
  AUG: 'AUGUST',
  SEP: 'SEPTEMBER',
  OCT: 'OCTOBER',
  NOV: 'NOVEMBER',
  DEC: 'DECEMBER',
};
/** Series of multi-series line charts are named after their colour. */
export const SERIES_NAMES = ['RED', 'BLUE', 'GREEN'] as const;

function intIn(rng: Rng, lo: number, hi: number): number {
  return lo + rng.nextInt(hi - lo + 1);
}

/** k distinct values on the grid min, min+step, ..., max (distinct so that max/min questions have one answer). */
function distinctValues(rng: Rng, k: number, min: number, max: number, step: number): number[] {
  const grid: number[] = [];
  for (let v = min; v <= max; v += step) grid.push(v);
  for (let i = 0; i < k; i++) {
    const j = i + rng.nextInt(grid.length - i);
    [grid[i], grid[j]] = [grid[j], grid[i]];
  }
  return grid.slice(0, k);
}

/** k distinct integer percentages, each at least `min`, summing to exactly 100. */
function pieValues(rng: Rng, k: number, min: number): number[] {
  const spare = 100 - k * min;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const w = Array.from({ length: k }, () => rng.next() + 1e-9);
    const sum = w.reduce((a, b) => a + b, 0);
    const parts = w.map((x) => Math.floor((x / sum) * spare));
    for (let left = spare - parts.reduce((a, b) => a + b, 0); left > 0; left--) parts[rng.nextInt(k)]++;
    const values = parts.map((p) => p + min);
    if (new Set(values).size === k) return values;
  }
  throw new EvolmmError('INTERNAL', `could not draw ${k} distinct pie percentages of at least ${min}%`);
}

function categoryLabels(rng: Rng, k: number, consecutive: boolean): string[] {
  if (consecutive) return [...CATEGORY_LETTERS.slice(0, k)];
  const picked = distinctValues(rng, k, 0, CATEGORY_LETTERS.length - 1, 1).sort((a, b) => a - b);
  return picked.map((i) => CATEGORY_LETTERS[i]);
}

/** Random chart data of one kind, following a difficulty's style. */
export function chartData(kind: ChartKind, style: ChartStyle, rng: Rng): ChartData {
  const k = intIn(rng, style.categories[0], style.categories[1]);
  const [lo, hi] = style.values;
  if (kind === 'pie') {
    return {
      labels: categoryLabels(rng, k, style.consecutiveLabels),
      series: [{ name: 'SHARE', values: pieValues(rng, k, style.pieMinPercent) }],
      unit: '%',
    };
  }
  if (kind === 'bar') {
    return {
      labels: categoryLabels(rng, k, style.consecutiveLabels),
      series: [{ name: 'VALUE', values: distinctValues(rng, k, lo, hi, style.step) }],
    };
  }
  const start = style.consecutiveLabels ? 0 : rng.nextInt(MONTHS.length - k + 1);
  const nSeries = intIn(rng, style.lineSeries[0], style.lineSeries[1]);
  return {
    labels: MONTHS.slice(start, start + k),
    series: Array.from({ length: nSeries }, (_, s) => ({
      name: nSeries === 1 ? 'VALUE' : SERIES_NAMES[s],
      values: distinctValues(rng, k, lo, hi, style.step),
    })),
  };
}

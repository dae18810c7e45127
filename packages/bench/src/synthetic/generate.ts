import { EvolmmError, createRng } from '@evolmm/core';
import { barChartSvg } from './bar-chart.js';
import { chartData } from './chart-data.js';
import { CHART_STYLES } from './chart-style.js';
import {
  CHART_KINDS,
  DIFFICULTIES,
  QUESTION_TYPES,
  type ChartData,
  type ChartKind,
  type ChartSize,
  type Difficulty,
  type QuestionType,
  type SyntheticChartItem,
} from './chart-types.js';
import { lineChartSvg } from './line-chart.js';
import { pieChartSvg } from './pie-chart.js';
import { makeQuestion } from './questions.js';

export interface SyntheticChartOptions {
  /** Number of charts. */
  readonly count: number;
  /** Seed; item i depends only on (seed, i, options), so a larger count extends a smaller one. Default 0. */
  readonly seed?: number;
  /** Chart kinds, assigned round-robin (item i gets kinds[i % kinds.length]). Default all: bar, line, pie. */
  readonly kinds?: readonly ChartKind[];
  /**
   * Image size in pixels, both sides multiples of 28 (Qwen2.5-VL's patch×merge, so preprocessing does not resize;
   * docs/runtime.md §7) and at least 112. A number means a square. Default 224×224.
   */
  readonly size?: ChartSize | number;
  /** One level, or several assigned round-robin per block of kinds. Default 'easy'. */
  readonly difficulty?: Difficulty | readonly Difficulty[];
  /** Question types to draw from (uniformly). Default all six. */
  readonly questionTypes?: readonly QuestionType[];
}

export const DEFAULT_CHART_SIZE: ChartSize = { width: 224, height: 224 };

function oneOf<T extends string>(what: string, value: readonly T[] | undefined, all: readonly T[]): readonly T[] {
  if (value === undefined) return all;
  if (value.length === 0) throw new EvolmmError('INVALID_ARGUMENT', `${what} is empty; pass at least one of ${all.join(', ')}`);
  for (const v of value) {
    if (!all.includes(v)) {
      throw new EvolmmError('INVALID_ARGUMENT', `unknown ${what} entry ${JSON.stringify(v)}; expected one of ${all.join(', ')}`);
    }
  }
  return value;
}

export function resolveChartSize(size: ChartSize | number | undefined): ChartSize {
  const s = size === undefined ? DEFAULT_CHART_SIZE : typeof size === 'number' ? { width: size, height: size } : size;
  for (const side of [s.width, s.height]) {
    if (!Number.isInteger(side) || side < 112 || side % 28 !== 0) {
      throw new EvolmmError(
        'INVALID_ARGUMENT',
        `synthetic chart size ${s.width}×${s.height} is not allowed: each side must be a multiple of 28 and at least 112 ` +
          `(Qwen2.5-VL resizes other sizes); try 224×224 or 280×224`,
      );
    }
  }
  return { width: s.width, height: s.height };
}

/** The SVG of a chart of the given kind (labels drawn as stroke-font paths). */
export function chartSvg(kind: ChartKind, data: ChartData, size: ChartSize, difficulty: Difficulty): string {
  const style = CHART_STYLES[difficulty];
  return kind === 'bar' ? barChartSvg(data, size, style) : kind === 'line' ? lineChartSvg(data, size, style) : pieChartSvg(data, size, style);
}

/** Generates charts with questions whose answers are computed exactly from the chart data. */
export function generateSyntheticCharts(options: SyntheticChartOptions): SyntheticChartItem[] {
  const { count } = options;
  if (!Number.isInteger(count) || count < 0) {
    throw new EvolmmError('INVALID_ARGUMENT', `count must be a non-negative integer, got ${count}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new EvolmmError('INVALID_ARGUMENT', `seed must be a safe integer, got ${seed}`);
  const kinds = oneOf('kinds', options.kinds, CHART_KINDS);
  const difficulties = oneOf(
    'difficulty',
    typeof options.difficulty === 'string' ? [options.difficulty] : options.difficulty ?? ['easy'],
    DIFFICULTIES,
  );
  const types = oneOf('questionTypes', options.questionTypes, QUESTION_TYPES);
  const size = resolveChartSize(options.size);
  const items: SyntheticChartItem[] = [];
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length];
    const difficulty = difficulties[Math.floor(i / kinds.length) % difficulties.length];
    const rng = createRng(seed, i);
    const data = chartData(kind, CHART_STYLES[difficulty], rng);
    const q = makeQuestion(kind, data, types[rng.nextInt(types.length)], rng);
    items.push({
      id: `syn-${seed}-${String(i).padStart(5, '0')}`,
      kind,
      difficulty,
      size,
      data,
      ...q,
      svg: chartSvg(kind, data, size, difficulty),
    });
  }
  return items;
}

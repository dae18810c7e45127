import type { ChartSize, Difficulty } from './chart-types.js';

/**
 * What a difficulty level means. "easy" is meant to be learnable by a tiny model trained for minutes: two or three
 * categories named A, B, C (or JAN, FEB, MAR), single-digit values printed above the bars, large glyphs and a fixed
 * 0–10 scale so a bar's height alone also tells its value. "hard" removes the printed values (read them off the
 * gridlines), uses more categories and two-series line charts.
 */
export interface ChartStyle {
  /** Number of categories (bars, points, slices): inclusive range. */
  readonly categories: readonly [number, number];
  /** Bar/line values: integers from min to max in steps of `step` (all values of a series are distinct). */
  readonly values: readonly [number, number];
  readonly step: number;
  /** Smallest pie slice in percent. */
  readonly pieMinPercent: number;
  /** Cap height of labels in pixels for a 224-pixel chart (scaled with the chart's smaller side). */
  readonly glyph: number;
  /** Print each value above its bar / point. */
  readonly showValues: boolean;
  /** Draw a y axis with tick labels (and gridlines). */
  readonly axis: boolean;
  /** Line charts: number of series, inclusive range. */
  readonly lineSeries: readonly [number, number];
  /** Categories are A, B, C... / JAN, FEB... from the start rather than a random pick. */
  readonly consecutiveLabels: boolean;
}

export const CHART_STYLES: Readonly<Record<Difficulty, ChartStyle>> = {
  easy: {
    categories: [2, 3],
    values: [1, 9],
    step: 1,
    pieMinPercent: 20,
    glyph: 16,
    showValues: true,
    axis: false,
    lineSeries: [1, 1],
    consecutiveLabels: true,
  },
  medium: {
    categories: [3, 5],
    values: [1, 60],
    step: 1,
    pieMinPercent: 12,
    glyph: 12,
    showValues: true,
    axis: true,
    lineSeries: [1, 1],
    consecutiveLabels: false,
  },
  hard: {
    categories: [4, 6],
    values: [5, 100],
    step: 5,
    pieMinPercent: 10,
    glyph: 10,
    showValues: false,
    axis: true,
    lineSeries: [1, 2],
    consecutiveLabels: false,
  },
};

/** Glyph cap height in pixels for a chart of this size. */
export function glyphSize(style: ChartStyle, size: ChartSize): number {
  return Math.round(style.glyph * (Math.min(size.width, size.height) / 224) * 10) / 10;
}

/** Colours (fixed, so renders are reproducible). */
export const COLORS = {
  background: '#ffffff',
  axis: '#444444',
  grid: '#dddddd',
  text: '#222222',
  bar: '#4c78a8',
  /** Series colours; the series are named after them. */
  series: { RED: '#d62828', BLUE: '#1d4e89', GREEN: '#2a9d3f' } as Record<string, string>,
  pie: ['#8ecae6', '#ffb703', '#90be6d', '#f4a3a8', '#cdb4db', '#f9c74f'],
};

/** Line colour of the single-series line chart. */
export const SINGLE_LINE_COLOR = '#1d4e89';

/** Formats an SVG coordinate with at most 2 decimals. */
export function fmt(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Wraps chart elements in an SVG document with a white background. */
export function svgDocument(size: ChartSize, body: string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" ` +
    `viewBox="0 0 ${size.width} ${size.height}">` +
    `<rect x="0" y="0" width="${size.width}" height="${size.height}" fill="${COLORS.background}"/>` +
    body.join('') +
    '</svg>'
  );
}

/** The y scale of a chart: its top value and tick step (0 when no ticks are drawn). */
export interface YScale {
  readonly max: number;
  readonly tick: number;
  readonly grid: number;
}

/**
 * easy: a fixed 0–10 scale (no ticks), so heights are comparable across charts. Otherwise the top is the maximum
 * rounded up to a tick, with ticks every 10 (up to 50) or 20, and gridlines every 10.
 */
export function yScale(style: ChartStyle, maxValue: number): YScale {
  if (!style.axis) return { max: 10, tick: 0, grid: 0 };
  const tick = maxValue <= 50 ? 10 : 20;
  return { max: Math.max(tick, Math.ceil(maxValue / tick) * tick), tick, grid: 10 };
}

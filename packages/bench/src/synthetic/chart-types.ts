/** Shared types of the synthetic-charts benchmark. */

export type ChartKind = 'bar' | 'line' | 'pie';
export const CHART_KINDS: readonly ChartKind[] = ['bar', 'line', 'pie'];

export type Difficulty = 'easy' | 'medium' | 'hard';
export const DIFFICULTIES: readonly Difficulty[] = ['easy', 'medium', 'hard'];

export type QuestionType = 'value' | 'max' | 'min' | 'difference' | 'count' | 'sum';
export const QUESTION_TYPES: readonly QuestionType[] = ['value', 'max', 'min', 'difference', 'count', 'sum'];

/** 'number': compared numerically; 'label': compared as normalised text. */
export type AnswerType = 'number' | 'label';

export interface ChartSeries {
  /** Series name; shown in a legend only when the chart has more than one series. */
  readonly name: string;
  /** One integer per label. */
  readonly values: readonly number[];
}

/** The data a chart is drawn from: categories (bars, line points, pie slices) and one or more series. */
export interface ChartData {
  readonly labels: readonly string[];
  readonly series: readonly ChartSeries[];
  /** '%' for pie charts (values are percentages summing to 100). */
  readonly unit?: '%';
}

export interface ChartSize {
  readonly width: number;
  readonly height: number;
}

export interface SyntheticChartItem {
  /** `syn-<seed>-<index>`: stable for a seed, unique within a generated set. */
  readonly id: string;
  readonly kind: ChartKind;
  readonly difficulty: Difficulty;
  readonly size: ChartSize;
  readonly data: ChartData;
  readonly question: string;
  readonly questionType: QuestionType;
  /** The exact answer, computed from `data`. */
  readonly answer: string;
  readonly answerType: AnswerType;
  /** Other spellings accepted as correct (e.g. "MARCH" for the month label "MAR"). */
  readonly aliases: readonly string[];
  /** The chart as SVG, text drawn as paths (no fonts needed). */
  readonly svg: string;
}

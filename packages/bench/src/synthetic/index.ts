export { generateSyntheticCharts, chartSvg, DEFAULT_CHART_SIZE } from './generate.js';
export type { SyntheticChartOptions } from './generate.js';
export { renderChart, renderSvg } from './render.js';
export { writeSyntheticDataset, readSyntheticDataset, MANIFEST_FILE } from './dataset.js';
export type { SyntheticDataset, SyntheticManifestEntry, WriteSyntheticDatasetOptions } from './dataset.js';
export { syntheticCharts, DIRECT_SUFFIX } from './benchmark.js';
export type { SyntheticBenchItem, SyntheticChartsBenchmarkOptions, SyntheticPromptStyle } from './benchmark.js';
export { extractFinalAnswer, matchAnswer, NUMERIC_TOLERANCE } from './answer-match.js';
export type { AnswerMatch, ExpectedAnswer } from './answer-match.js';
export { GLYPH_CHARS, hasGlyph, textPath, textWidth } from './stroke-font.js';
export type { TextPathOptions } from './stroke-font.js';
export { CHART_STYLES } from './chart-style.js';
export type { ChartStyle } from './chart-style.js';
export { CHART_KINDS, DIFFICULTIES, QUESTION_TYPES } from './chart-types.js';
export type {
  AnswerType,
  ChartData,
  ChartKind,
  ChartSeries,
  ChartSize,
  Difficulty,
  QuestionType,
  SyntheticChartItem,
} from './chart-types.js';

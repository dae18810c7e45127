// Benchmarks (core `Benchmark` implementations).
export { chartqa, chartqaCorrect, chartqaMetrics, CHARTQA_POST_PROMPT } from './chartqa/benchmark.js';
export type { ChartQABenchmark, ChartQAOptions } from './chartqa/benchmark.js';
export type { ChartQAItem } from './chartqa/types.js';
export { loadChartQA } from './chartqa/loader.js';
export type { ChartQALoadOptions } from './chartqa/loader.js';

export { mathvista } from './mathvista/benchmark.js';
export type { MathVistaBenchmark, MathVistaItemScore, MathVistaOptions } from './mathvista/benchmark.js';
export { loadMathVista } from './mathvista/loader.js';
export type { MathVistaItem, MathVistaLoadOptions } from './mathvista/loader.js';
export type { IntRule, MathVistaMetadata, MathVistaProblem } from './mathvista/types.js';
export { mathVistaPromptText } from './mathvista/prompts.js';
export type { MathVistaPromptVariant } from './mathvista/prompts.js';
export { mathVistaEqual, normalizeMathVistaAnswer } from './mathvista/normalize.js';
export {
  MATHVISTA_EXTRACTION_DEMO,
  mathVistaExtractionPrompt,
  officialMathVistaExtraction,
  ruleBasedMathVistaExtraction,
} from './mathvista/extract.js';
export type { MathVistaLlmExtract } from './mathvista/extract.js';
export { openAiCompatibleExtractor } from './mathvista/openai-extractor.js';
export type { OpenAiExtractorOptions } from './mathvista/openai-extractor.js';
export { mathVistaScores, MATHVISTA_BREAKDOWN_KEYS } from './mathvista/scores.js';
export type { MathVistaScoreEntry, MathVistaScores } from './mathvista/scores.js';
export { rescoreMathVistaOutputs } from './mathvista/rescore.js';
export type { MathVistaOutputRecord, MathVistaRescored } from './mathvista/rescore.js';

export { mathvision } from './mathvision/benchmark.js';
export type { MathVisionBenchmark, MathVisionOptions } from './mathvision/benchmark.js';
export { loadMathVision, readMathVisionProblems } from './mathvision/loader.js';
export type { MathVisionItem, MathVisionLoadOptions } from './mathvision/loader.js';
export type { MathVisionProblem } from './mathvision/types.js';
export { mathVisionPromptText } from './mathvision/prompts.js';
export { extractMathVisionAnswer } from './mathvision/find-math-answer.js';
export { mathVisionIsEqual } from './mathvision/is-equal.js';
export { prepareMathVisionScorer } from './mathvision/latex-value.js';
export { isMathVisionCorrect, mathVisionGoldValue, mathVisionResultFile, scoreMathVisionResponse } from './mathvision/score.js';
export type { MathVisionItemResult } from './mathvision/score.js';
export { rescoreMathVisionOutputs } from './mathvision/rescore.js';
export type { MathVisionOutputRecord, MathVisionRescored } from './mathvision/rescore.js';

// Rescoring published prediction files (`evolmm score`).
export {
  findMathVisionProblemsFile,
  scorePredictionFile,
  scorePredictions,
  serializeRescoredItems,
} from './score-prediction-file.js';
export type { RescoreBenchmark, RescoreResult, ScorePredictionOptions } from './score-prediction-file.js';
export { rescoreChartQAPredictions } from './chartqa/rescore.js';
export type { ChartQARescored } from './chartqa/rescore.js';

// Shared pieces users may want.
export { lmmsEvalCleanup } from './common/output-cleanup.js';
export type { OutputCleanup } from './common/output-cleanup.js';
export { QWEN_SYSTEM_PROMPT } from './common/prompt.js';

export * from './synthetic/index.js';
export * from './runner/index.js';
export * from './report/index.js';

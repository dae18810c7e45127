// Contracts (specificationVersion 'v1').
export type {
  ChatMessage,
  ChatRole,
  Completion,
  ContentPart,
  GenerateRequest,
  ImageInput,
  ImagePart,
  RawImage,
  TextPart,
  VisionLanguageModel,
} from './spec/model.js';
export type { PolicyBatch, PolicySample, StepStats, TrainablePolicy } from './spec/policy.js';
export type { RewardGroup, RewardPlugin, RewardResult } from './spec/reward.js';
export type { Benchmark, BenchSummary, BreakdownEntry, ItemScore, LoadOptions } from './spec/benchmark.js';

// Errors and registry.
export { EvolmmError, throwIfAborted } from './errors.js';
export type { EvolmmErrorCode, EvolmmErrorOptions } from './errors.js';
export { createModelRegistry, parseModelSpec } from './registry.js';
export type { ModelFactory, ModelFactoryOptions, ModelRegistry, ModelSpec } from './registry.js';
export { closestMatch, didYouMean, levenshtein } from './closest-match.js';

// EvoLMM method pieces.
export { EVOLMM_DEFAULTS } from './evolmm-defaults.js';
export type { EvolmmDefaults } from './evolmm-defaults.js';
export { PROPOSER_PROMPT, solverPrompt } from './evolmm-prompts.js';
export {
  DEFAULT_QUESTION,
  extractTag,
  hasAnswerTag,
  parseAnswer,
  parseQuestion,
  parseRationale,
  preAnswerWordCount,
} from './evolmm-tags.js';
export { normalizeAnswer } from './normalize-answer.js';

// Utilities every package needs.
export { JsonlWriter, readJsonl } from './event-log.js';
export { fsyncDir, writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
export { createRng, deriveSeed, permutation, restoreRng } from './rng.js';
export type { Rng, RngState } from './rng.js';
export { PY_PUNCTUATION, isPySpace, pySplit, pyStrip, pyStripChars } from './python-text.js';

// The EvoLMM self-evolution loop (docs/method.md §6) and its run folder.
export { evolve, PROPOSER_ADAPTER, SOLVER_ADAPTER } from './evolve/evolve.js';
export type { EvolveOptions, EvolveResult, EvolveTrainerState } from './evolve/evolve.js';
export { EVOLVE_CONFIG_KEYS, EVOLVE_DEFAULTS, resolveEvolveConfig, validateEvolveConfig } from './evolve/evolve-config.js';
export type {
  BaselineMode,
  EvolveConfig,
  ResolvedEvolveConfig,
  SolverUpdateMode,
  ValidateConfigOptions,
} from './evolve/evolve-config.js';
export type {
  EvolveEvent,
  EvolveProgressEvent,
  IterationEvent,
  RoleStepRecord,
  RoleSummary,
  RunStartEvent,
} from './evolve/evolve-events.js';
export { IMAGE_EXTENSIONS, imageOrder, readImageManifest, resolveImageSource } from './evolve/image-source.js';
export type { ImageSource } from './evolve/image-source.js';
export { adaptBeta } from './evolve/adaptive-beta.js';
export type { AdaptiveBetaOptions } from './evolve/adaptive-beta.js';
export { emaUpdate, leaveOneOutBaselines } from './evolve/baseline.js';
export { answerStats } from './evolve/answer-stats.js';
export type { AnswerStats } from './evolve/answer-stats.js';
export { latestCheckpoint, listCheckpoints, SAVE_OK } from './evolve/checkpoint.js';
export type { CheckpointRef } from './evolve/checkpoint.js';
export { CHECKPOINTS_DIR, EVENTS_FILE, POLICY_DIR, TRAINER_STATE_FILE } from './evolve/run-dir.js';
export { metricTrend, summarizeRun } from './evolve/run-summary.js';
export type { MetricTrend, RunSummary } from './evolve/run-summary.js';
export { renderRunReport } from './evolve/run-report.js';
export type { RunReport } from './evolve/run-report.js';
export { linePlotSvg } from './evolve/svg-plot.js';
export type { PlotOptions, PlotSeries } from './evolve/svg-plot.js';
export { createProgress, formatDuration, formatProgressLine, formatRate } from './evolve/progress.js';
export type { ProgressOptions, ProgressReporter, ProgressSnapshot } from './evolve/progress.js';

// Supervised fine-tuning with the same run-folder guarantees.
export { sft, SFT_DEFAULTS, validateSftConfig } from './sft/sft.js';
export type { SftConfig, SftOptions, SftProgressEvent, SftResult, SftStepEvent } from './sft/sft.js';
export { readSftManifest } from './sft/sft-data.js';
export type { SftRecord } from './sft/sft-data.js';

// ChartQA's official relaxed accuracy, and Python float() it depends on.
export { relaxedCorrectness } from './relaxed-accuracy.js';
export { parsePythonFloat } from './python-float.js';

// Answer equivalence.
export { clusterAnswers, numericMatcher, semanticMatcher, stringMatcher } from './answer-matcher.js';
export type { AnswerClusters, AnswerMatcher, SemanticMatcherOptions } from './answer-matcher.js';

// EvoLMM rewards.
export { discreteMajorityReward, evolmmSolverReward, lengthPenalty } from './self-consistency.js';
export type { MajorityRewardOptions, SolverRewardOptions } from './self-consistency.js';
export { answerEntropy, evolmmProposerReward, proposerRewardFromEntropy } from './entropy-band-pass.js';
export type { BandPassOptions, ProposerRewardOptions } from './entropy-band-pass.js';
export { evolmmRewards } from './evolmm-preset.js';
export type { EvolmmRewardsOptions } from './evolmm-preset.js';

// Reference-based rewards.
export { exactMatchReward } from './exact-match.js';
export type { ExactMatchOptions } from './exact-match.js';
export { DEFAULT_UNITS, normalizeText } from './normalize-text.js';
export type { NormalizeOptions } from './normalize-text.js';
export { numericReward } from './numeric-tolerance.js';
export type { NumericCompareOptions, NumericRewardOptions } from './numeric-tolerance.js';
export { lastQuantity, parseNumber, parseQuantity } from './parse-number.js';
export type { Quantity } from './parse-number.js';
export { semanticReward } from './semantic-similarity.js';
export type { SemanticRewardOptions } from './semantic-similarity.js';
export { textSimilarity, vectorCosine } from './text-similarity.js';
export type { SimilarityMetric, TextSimilarityOptions } from './text-similarity.js';

// Format and combinators.
export { formatReward } from './format.js';
export type { FormatRewardOptions } from './format.js';
export { gate, product, weightedSum } from './combinators.js';

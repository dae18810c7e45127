/**
 * The EvoLMM Solver reward (docs/method.md §4): continuous self-consistency with a length penalty,
 *
 *   p_i   = #{j : ã_j ≡ ã_i} / N                     agreement (≡: the matcher; default normalised equality)
 *   w_i   = words of the raw output before the first <answer> (whole output if absent)
 *   pen_i = min(1, max(0, (w_i − τ)/τ)),  τ := max(1, τ)       [code]; clip: false gives [paper] max(0, …)
 *   r_i   = p_i^γ · (1 − λ_len · pen_i)
 *
 * and the discrete majority-vote reward of the paper's ablation.
 */
import { EVOLMM_DEFAULTS, preAnswerWordCount, type RewardPlugin, type RewardResult } from '@evolmm/core';
import { clusterAnswers, stringMatcher, type AnswerMatcher } from './answer-matcher.js';
import { answersOf, checkNumber, completionsOf } from './group-input.js';

export interface SolverRewardOptions {
  /** Agreement exponent γ. Default EVOLMM_DEFAULTS.gamma (0.7). */
  gamma?: number;
  /** Length threshold τ in words (τ := max(1, τ)). Default EVOLMM_DEFAULTS.tau (6). */
  tau?: number;
  /** Length-penalty weight λ_len, in [0, 1]. Default EVOLMM_DEFAULTS.lambdaLen (0.1). */
  lambdaLen?: number;
  /** Clip pen_i at 1 (reference code). Default EVOLMM_DEFAULTS.clipLengthPenalty (true). */
  clip?: boolean;
  /** Answer equivalence. Default stringMatcher (EvoLMM normalised equality). */
  matcher?: AnswerMatcher;
  /** Plugin name. Default 'evolmm-solver'. */
  name?: string;
}

/** The length penalty pen(w) of docs/method.md §4. */
export function lengthPenalty(words: number, tau: number, clip: boolean): number {
  const t = Math.max(1, tau);
  const pen = Math.max(0, (words - t) / t);
  return clip ? Math.min(1, pen) : pen;
}

/**
 * r_i = p_i^γ · (1 − λ·pen_i). Range [1 − λ, 1]·p^γ ⊂ [0, 1] with clip; without clip the penalty is unbounded
 * and the value can be negative for very long outputs. Components: agreement (p_i), consistency (p_i^γ),
 * preAnswerWords (w_i), lengthPenalty (pen_i), lengthMultiplier (1 − λ·pen_i), answerClass (first-seen class
 * index), classSize (count of answers in it).
 */
export function evolmmSolverReward(opts: SolverRewardOptions = {}): RewardPlugin {
  const name = opts.name ?? 'evolmm-solver';
  const gamma = checkNumber(name, 'gamma', opts.gamma ?? EVOLMM_DEFAULTS.gamma, { min: 0 });
  const tau = checkNumber(name, 'tau', opts.tau ?? EVOLMM_DEFAULTS.tau);
  const lambdaLen = checkNumber(name, 'lambdaLen', opts.lambdaLen ?? EVOLMM_DEFAULTS.lambdaLen, { min: 0, max: 1 });
  const clip = opts.clip ?? EVOLMM_DEFAULTS.clipLengthPenalty;
  const matcher = opts.matcher ?? stringMatcher;
  return {
    specificationVersion: 'v1',
    name,
    score(group): RewardResult[] {
      const completions = completionsOf(group);
      const answers = answersOf(group);
      const n = answers.length;
      const { labels, classes } = clusterAnswers(answers, matcher);
      return answers.map((_, i) => {
        const classSize = classes[labels[i]].length;
        const agreement = classSize / n;
        const consistency = agreement ** gamma;
        const preAnswerWords = preAnswerWordCount(completions[i]);
        const pen = lengthPenalty(preAnswerWords, tau, clip);
        const lengthMultiplier = 1 - lambdaLen * pen;
        return {
          value: consistency * lengthMultiplier,
          components: {
            agreement,
            consistency,
            preAnswerWords,
            lengthPenalty: pen,
            lengthMultiplier,
            answerClass: labels[i],
            classSize,
          },
        };
      });
    },
  };
}

export interface MajorityRewardOptions {
  matcher?: AnswerMatcher;
  /** Plugin name. Default 'discrete-majority'. */
  name?: string;
}

/**
 * r_i = 1 if answer i is in the majority class, else 0 (docs/method.md §4 "Discrete reward"); majority = the
 * largest class, ties → the first-seen class. Components: majority (0/1), agreement (p_i), majorityCount.
 */
export function discreteMajorityReward(opts: MajorityRewardOptions = {}): RewardPlugin {
  const name = opts.name ?? 'discrete-majority';
  const matcher = opts.matcher ?? stringMatcher;
  return {
    specificationVersion: 'v1',
    name,
    score(group): RewardResult[] {
      const answers = answersOf(group);
      const { labels, classes } = clusterAnswers(answers, matcher);
      let majority = 0;
      // Strictly greater keeps the first-seen class on ties (classes are numbered in first-seen order).
      classes.forEach((members, k) => {
        if (members.length > classes[majority].length) majority = k;
      });
      const majorityCount = classes.length > 0 ? classes[majority].length : 0;
      return answers.map((_, i) => {
        const inMajority = labels[i] === majority ? 1 : 0;
        return {
          value: inMajority,
          components: { majority: inMajority, agreement: classes[labels[i]].length / answers.length, majorityCount },
        };
      });
    },
  };
}

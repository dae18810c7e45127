/**
 * The EvoLMM Proposer reward (docs/method.md §5): a Gaussian band-pass on the entropy of the Solver's answers,
 *
 *   H      = −Σ_a p̂(a) ln p̂(a)   over the histogram of the N answers (nats; classes under the matcher)
 *   r_prop = exp(−(H − μ_H)² / (2σ_H²)),   r_prop = 0 if σ_H ≤ 0
 *
 * which peaks at moderate disagreement: unanimous (trivial) and all-different (unsolvable) questions score low.
 */
import { EVOLMM_DEFAULTS, EvolmmError, parseAnswer, type RewardPlugin, type RewardResult } from '@evolmm/core';
import { clusterAnswers, stringMatcher, type AnswerMatcher } from './answer-matcher.js';
import { asText, checkNumber, completionsOf } from './group-input.js';

/** H in nats of the answer histogram under `matcher`; 0 for no answers. */
export function answerEntropy(answers: readonly string[], matcher: AnswerMatcher = stringMatcher): number {
  const n = answers.length;
  if (n === 0) return 0;
  let h = 0;
  for (const members of clusterAnswers(answers, matcher).classes) {
    const p = members.length / n;
    h -= p * Math.log(p);
  }
  // Σ p ln p can round to −1e-17 for one class; entropy is never negative.
  return Math.max(0, h);
}

export interface BandPassOptions {
  /** Target entropy μ_H in nats. Default EVOLMM_DEFAULTS.muH (0.90, tuned for N = 5). */
  muH?: number;
  /** Width σ_H. Default EVOLMM_DEFAULTS.sigmaH (0.35); σ_H ≤ 0 gives reward 0. */
  sigmaH?: number;
}

/** r_prop = exp(−(H − μ_H)² / (2σ_H²)), in [0, 1]; 0 when σ_H ≤ 0 or H is not finite. */
export function proposerRewardFromEntropy(entropy: number, opts: BandPassOptions = {}): number {
  const mu = opts.muH ?? EVOLMM_DEFAULTS.muH;
  const sigma = opts.sigmaH ?? EVOLMM_DEFAULTS.sigmaH;
  if (!(sigma > 0) || !Number.isFinite(entropy) || !Number.isFinite(mu) || !Number.isFinite(sigma)) return 0;
  return Math.exp(-((entropy - mu) ** 2) / (2 * sigma * sigma));
}

export interface ProposerRewardOptions extends BandPassOptions {
  matcher?: AnswerMatcher;
  /** Plugin name. Default 'evolmm-proposer'. */
  name?: string;
}

/**
 * Group contract: `completions` holds the Proposer output(s) (usually one question); `metadata.solverCompletions`
 * holds the N raw Solver outputs, whose answers are extracted with parseAnswer (alternatively
 * `metadata.solverAnswers`: already extracted answers). Every Proposer completion gets the same value.
 * Components: entropy (nats), distinctAnswers, solverSamples.
 */
export function evolmmProposerReward(opts: ProposerRewardOptions = {}): RewardPlugin {
  const name = opts.name ?? 'evolmm-proposer';
  const muH = checkNumber(name, 'muH', opts.muH ?? EVOLMM_DEFAULTS.muH);
  const sigmaH = checkNumber(name, 'sigmaH', opts.sigmaH ?? EVOLMM_DEFAULTS.sigmaH);
  const matcher = opts.matcher ?? stringMatcher;
  return {
    specificationVersion: 'v1',
    name,
    score(group): RewardResult[] {
      const meta = group.metadata ?? {};
      let answers: string[];
      if (Array.isArray(meta.solverCompletions)) answers = meta.solverCompletions.map((c) => parseAnswer(asText(c)));
      else if (Array.isArray(meta.solverAnswers)) answers = meta.solverAnswers.map(asText);
      else {
        throw new EvolmmError(
          'INVALID_ARGUMENT',
          `${name}: the proposer reward needs the Solver's outputs in group.metadata.solverCompletions (string[]); ` +
            `found ${meta.solverCompletions === undefined ? 'nothing' : typeof meta.solverCompletions}. Put the N ` +
            'raw Solver outputs there, and the Proposer output(s) in `completions`.',
        );
      }
      const { classes } = clusterAnswers(answers, matcher);
      const entropy = answerEntropy(answers, matcher);
      const value = proposerRewardFromEntropy(entropy, { muH, sigmaH });
      const components = { entropy, distinctAnswers: classes.length, solverSamples: answers.length };
      return completionsOf(group).map(() => ({ value, components }));
    },
  };
}

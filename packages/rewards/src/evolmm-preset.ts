/**
 * The paper's reward pair, for the CLI to hand to the evolve loop (core cannot import this package).
 */
import type { RewardPlugin } from '@evolmm/core';
import type { AnswerMatcher } from './answer-matcher.js';
import { evolmmProposerReward } from './entropy-band-pass.js';
import { discreteMajorityReward, evolmmSolverReward } from './self-consistency.js';

export interface EvolmmRewardsOptions {
  /** 'continuous' (default, EvoLMM) or 'discrete' (the majority-vote ablation). */
  solverReward?: 'continuous' | 'discrete';
  gamma?: number;
  tau?: number;
  lambdaLen?: number;
  clip?: boolean;
  muH?: number;
  sigmaH?: number;
  /** Answer equivalence for both rewards. Default stringMatcher. */
  matcher?: AnswerMatcher;
}

/** { solver, proposer } with EVOLMM_DEFAULTS unless overridden. */
export function evolmmRewards(opts: EvolmmRewardsOptions = {}): { solver: RewardPlugin; proposer: RewardPlugin } {
  const { matcher } = opts;
  const solver =
    opts.solverReward === 'discrete'
      ? discreteMajorityReward({ matcher })
      : evolmmSolverReward({ gamma: opts.gamma, tau: opts.tau, lambdaLen: opts.lambdaLen, clip: opts.clip, matcher });
  return { solver, proposer: evolmmProposerReward({ muH: opts.muH, sigmaH: opts.sigmaH, matcher }) };
}

/**
 * Test rewards with the EvoLMM formulas (docs/method.md §4–§5), written out directly here so the tests can check
 * the loop's bookkeeping without depending on @evolmm/rewards (core must not import it).
 */
import { parseAnswer, preAnswerWordCount } from '../../evolmm-tags.js';
import { normalizeAnswer } from '../../normalize-answer.js';
import type { RewardPlugin } from '../../spec/reward.js';

export function agreement(answers: readonly string[]): number[] {
  const norm = answers.map(normalizeAnswer);
  return norm.map((a) => norm.filter((b) => b === a).length / norm.length);
}

export function entropyOf(answers: readonly string[]): number {
  const norm = answers.map(normalizeAnswer);
  let h = 0;
  for (const a of new Set(norm)) {
    const p = norm.filter((b) => b === a).length / norm.length;
    h -= p * Math.log(p);
  }
  return h;
}

export const fakeSolverReward: RewardPlugin = {
  name: 'test-self-consistency',
  score(group) {
    const answers = group.answers ?? group.completions.map(parseAnswer);
    const p = agreement(answers);
    return group.completions.map((c, i) => {
      const pen = Math.min(1, Math.max(0, (preAnswerWordCount(c) - 6) / 6));
      return { value: p[i] ** 0.7 * (1 - 0.1 * pen), components: { agreement: p[i], lengthPenalty: pen } };
    });
  },
};

export const fakeProposerReward: RewardPlugin = {
  name: 'test-entropy-band',
  score(group) {
    const solver = group.metadata?.solverCompletions as string[];
    const h = entropyOf(solver.map(parseAnswer));
    return [{ value: Math.exp(-((h - 0.9) ** 2) / (2 * 0.35 ** 2)), components: { entropy: h } }];
  },
};

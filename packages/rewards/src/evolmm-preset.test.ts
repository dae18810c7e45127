import { describe, expect, it } from 'vitest';
import { numericMatcher } from './answer-matcher.js';
import { evolmmProposerReward } from './entropy-band-pass.js';
import { evolmmRewards } from './evolmm-preset.js';
import { discreteMajorityReward, evolmmSolverReward } from './self-consistency.js';

const solverCompletions = ['a b c d e f g h <answer>3</answer>', '<answer>3</answer>', '<answer>4</answer>', '<answer>3.0</answer>', 'x'];

describe('evolmmRewards preset', () => {
  it("defaults to the paper's continuous solver reward and the band-pass proposer reward", async () => {
    const { solver, proposer } = evolmmRewards();
    expect(await solver.score({ completions: solverCompletions })).toEqual(
      await evolmmSolverReward().score({ completions: solverCompletions }),
    );
    const pg = { completions: ['<question>q</question>'], metadata: { solverCompletions } };
    expect(await proposer.score(pg)).toEqual(await evolmmProposerReward().score(pg));
    expect(solver.name).toBe('evolmm-solver');
    expect(proposer.name).toBe('evolmm-proposer');
  });

  it('switches to the discrete ablation and passes options and the matcher through', async () => {
    const { solver } = evolmmRewards({ solverReward: 'discrete' });
    expect(await solver.score({ completions: solverCompletions })).toEqual(
      await discreteMajorityReward().score({ completions: solverCompletions }),
    );
    const matcher = numericMatcher();
    const custom = evolmmRewards({ gamma: 1, tau: 2, lambdaLen: 0.5, clip: false, muH: 0.5, sigmaH: 0.2, matcher });
    expect(await custom.solver.score({ completions: solverCompletions })).toEqual(
      await evolmmSolverReward({ gamma: 1, tau: 2, lambdaLen: 0.5, clip: false, matcher }).score({
        completions: solverCompletions,
      }),
    );
    const pg = { completions: ['q'], metadata: { solverCompletions } };
    const r = await custom.proposer.score(pg);
    expect(r).toEqual(await evolmmProposerReward({ muH: 0.5, sigmaH: 0.2, matcher }).score(pg));
    expect(r[0].components?.distinctAnswers).toBe(3); // 3 ≡ 3.0 under the numeric matcher
  });
});

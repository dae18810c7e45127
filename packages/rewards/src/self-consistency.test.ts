import { EVOLMM_DEFAULTS, EvolmmError, normalizeAnswer } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { numericMatcher } from './answer-matcher.js';
import { discreteMajorityReward, evolmmSolverReward, lengthPenalty } from './self-consistency.js';

const words = (k: number) => Array.from({ length: k }, (_, i) => `w${i}`).join(' ');

describe('evolmmSolverReward — docs/method.md §4', () => {
  // N = 5 answers [3, 3, 3, 4, "3."] with pre-answer word counts 2, 6, 9, 12, 20.
  const counts = [2, 6, 9, 12, 20];
  const answers = ['3', '3', '3', '4', '3.'];
  const completions = answers.map((a, i) => `${words(counts[i])} <answer>${a}</answer>`);

  it('equals the formula to 1e-12 on the hand-computed case', async () => {
    // "3." normalises to "3": classes {3: 4 answers, 4: 1 answer}.
    const p = [4 / 5, 4 / 5, 4 / 5, 1 / 5, 4 / 5];
    // τ = 6: pen = min(1, max(0, (w − 6)/6)) → [0, 0, 0.5, 1, 1] (w = 20 gives 14/6, clipped).
    const pen = [0, 0, 0.5, 1, 1];
    const expected = p.map((pi, i) => Math.pow(pi, 0.7) * (1 - 0.1 * pen[i]));
    const results = await evolmmSolverReward().score({ completions });
    expect(results).toHaveLength(5);
    results.forEach((r, i) => {
      expect(Math.abs(r.value - expected[i])).toBeLessThan(1e-12);
      expect(r.components?.agreement).toBe(p[i]);
      expect(r.components?.preAnswerWords).toBe(counts[i]);
      expect(r.components?.lengthPenalty).toBe(pen[i]);
    });
    // The same numbers written out: 0.8^0.7 = 0.85538767999…, 0.2^0.7 = 0.32413131933…
    expect(results[0].value).toBeCloseTo(0.85538768, 8);
    expect(results[2].value).toBeCloseTo(0.85538768 * 0.95, 8);
    expect(results[3].value).toBeCloseTo(0.32413132 * 0.9, 8);
  });

  it('the paper variant (clip: false) leaves the penalty unclipped', async () => {
    const results = await evolmmSolverReward({ clip: false }).score({ completions });
    const pen20 = (20 - 6) / 6;
    expect(results[4].components?.lengthPenalty).toBeCloseTo(pen20, 15);
    expect(Math.abs(results[4].value - Math.pow(0.8, 0.7) * (1 - 0.1 * pen20))).toBeLessThan(1e-12);
  });

  it('reproduces the p^0.7 table of §4 (with and without full penalty)', async () => {
    const table = [
      [0.2, 0.324, 0.292],
      [0.4, 0.527, 0.474],
      [0.6, 0.699, 0.629],
      [0.8, 0.855, 0.77],
      [1.0, 1.0, 0.9],
    ];
    for (const [p, bare, penalised] of table) {
      const k = Math.round(p * 5);
      const group = Array.from({ length: 5 }, (_, i) => (i < k ? 'x' : `other${i}`));
      const short = await evolmmSolverReward().score({ completions: group.map((a) => `<answer>${a}</answer>`) });
      const long = await evolmmSolverReward().score({
        completions: group.map((a) => `${words(100)} <answer>${a}</answer>`),
      });
      expect(short[0].value).toBeCloseTo(bare, 3);
      expect(long[0].value).toBeCloseTo(penalised, 3);
    }
  });

  it('uses EVOLMM_DEFAULTS and options override them', async () => {
    const c = ['a b c d e f g h i j k l <answer>1</answer>', '<answer>2</answer>'];
    const dflt = await evolmmSolverReward().score({ completions: c });
    const explicit = await evolmmSolverReward({
      gamma: EVOLMM_DEFAULTS.gamma,
      tau: EVOLMM_DEFAULTS.tau,
      lambdaLen: EVOLMM_DEFAULTS.lambdaLen,
    }).score({ completions: c });
    expect(dflt).toEqual(explicit);
    const other = await evolmmSolverReward({ gamma: 1, tau: 3, lambdaLen: 0.5 }).score({ completions: c });
    // p = 1/2, w = 12, τ = 3 → pen = min(1, 3) = 1 → 0.5 · (1 − 0.5) = 0.25
    expect(other[0].value).toBeCloseTo(0.25, 15);
  });

  it('τ := max(1, τ) and the penalty counts words before the first <answer> (case-insensitive)', async () => {
    expect(lengthPenalty(1, 0, true)).toBe(0);
    expect(lengthPenalty(2, 0, true)).toBe(1);
    expect(lengthPenalty(2, 0.5, false)).toBe(1); // τ = 1 → (2 − 1)/1
    expect(lengthPenalty(9, 6, true)).toBe(0.5);
    const res = await evolmmSolverReward().score({ completions: ['one two <ANSWER>x</ANSWER>', 'no tag at all here'] });
    expect(res[0].components?.preAnswerWords).toBe(2);
    expect(res[1].components?.preAnswerWords).toBe(5); // no <answer>: the whole output
  });

  it('takes group.answers when given, else parseAnswer of each completion', async () => {
    const completions = ['<answer>5</answer>', 'the result is\n5', 'nothing'];
    const parsed = await evolmmSolverReward().score({ completions });
    expect(parsed.map((r) => r.components?.agreement)).toEqual([2 / 3, 2 / 3, 1 / 3]);
    const given = await evolmmSolverReward().score({ completions, answers: ['x', 'x', 'x'] });
    expect(given.map((r) => r.components?.agreement)).toEqual([1, 1, 1]);
    expect(() => evolmmSolverReward().score({ completions, answers: ['x'] })).toThrow(EvolmmError);
  });

  it('a numeric matcher replaces string equality', async () => {
    const completions = ['<answer>3</answer>', '<answer>3.0</answer>', '<answer>3.00</answer>', '<answer>4</answer>'];
    expect(normalizeAnswer('3.0')).not.toBe(normalizeAnswer('3'));
    const strict = await evolmmSolverReward().score({ completions });
    const numeric = await evolmmSolverReward({ matcher: numericMatcher() }).score({ completions });
    expect(strict[0].components?.agreement).toBe(0.25);
    expect(numeric[0].components?.agreement).toBe(0.75);
    expect(numeric[0].value).toBeCloseTo(Math.pow(0.75, 0.7), 15);
  });

  it('an empty group scores nothing; invalid options throw EvolmmError', () => {
    expect(evolmmSolverReward().score({ completions: [] })).toEqual([]);
    expect(() => evolmmSolverReward({ gamma: Number.NaN })).toThrow(EvolmmError);
    expect(() => evolmmSolverReward({ lambdaLen: 2 })).toThrow(/lambdaLen/);
  });
});

describe('discreteMajorityReward — the paper ablation', () => {
  it('1 for the majority class, 0 otherwise', async () => {
    const r = await discreteMajorityReward().score({
      completions: ['<answer>3</answer>', '<answer>4</answer>', '<answer>3.</answer>', '<answer>5</answer>'],
    });
    expect(r.map((x) => x.value)).toEqual([1, 0, 1, 0]);
    expect(r[0].components?.majorityCount).toBe(2);
  });

  it('ties go to the first-seen answer', async () => {
    const r = await discreteMajorityReward().score({ completions: [], answers: [] });
    expect(r).toEqual([]);
    const tie = await discreteMajorityReward().score({
      completions: ['a', 'b', 'c', 'd'],
      answers: ['b', 'a', 'a', 'b'],
    });
    expect(tie.map((x) => x.value)).toEqual([1, 0, 0, 1]);
    const allDifferent = await discreteMajorityReward().score({ completions: ['x', 'y', 'z'] });
    expect(allDifferent.map((x) => x.value)).toEqual([1, 0, 0]);
  });

  it('agrees with the continuous reward on which answers are in the largest class', async () => {
    const completions = ['<answer>7</answer>', '<answer>7</answer>', '<answer>8</answer>', '<answer>7 </answer>', 'x'];
    const d = await discreteMajorityReward().score({ completions });
    const c = await evolmmSolverReward().score({ completions });
    const maxP = Math.max(...c.map((x) => x.components!.agreement));
    expect(d.map((x) => x.value)).toEqual(c.map((x) => (x.components!.agreement === maxP ? 1 : 0)));
  });
});

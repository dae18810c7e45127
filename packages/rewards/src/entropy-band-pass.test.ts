import { EvolmmError } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { numericMatcher } from './answer-matcher.js';
import { answerEntropy, evolmmProposerReward, proposerRewardFromEntropy } from './entropy-band-pass.js';

/** Answers with the given histogram, e.g. [3, 1, 1] → ["a0","a0","a0","a1","a2"]. */
function fromHistogram(hist: number[]): string[] {
  return hist.flatMap((count, k) => Array.from({ length: count }, () => `a${k}`));
}

describe('answer entropy and the band-pass — every value of docs/method.md §5', () => {
  const table: [number[], number, number][] = [
    [[5], 0, 0.037],
    [[4, 1], 0.5, 0.521],
    [[3, 2], 0.673, 0.81],
    [[3, 1, 1], 0.95, 0.99],
    [[2, 2, 1], 1.055, 0.907],
    [[2, 1, 1, 1], 1.332, 0.467],
    [[1, 1, 1, 1, 1], 1.609, 0.128],
  ];

  it.each(table)('histogram %j: H = %f nats, r_prop = %f', (hist, h, r) => {
    const answers = fromHistogram(hist);
    const entropy = answerEntropy(answers);
    expect(entropy).toBeCloseTo(h, 3);
    // The exact formula, to 1e-12.
    const exactH = -hist.reduce((s, c) => s + (c / 5) * Math.log(c / 5), 0);
    expect(Math.abs(entropy - exactH)).toBeLessThan(1e-12);
    const reward = proposerRewardFromEntropy(entropy);
    expect(reward).toBeCloseTo(r, 3);
    expect(Math.abs(reward - Math.exp(-((exactH - 0.9) ** 2) / (2 * 0.35 ** 2)))).toBeLessThan(1e-12);
  });

  it('max entropy for N = 5 is ln 5', () => {
    expect(answerEntropy(fromHistogram([1, 1, 1, 1, 1]))).toBeCloseTo(Math.log(5), 14);
  });

  it('the order of answers does not change H', () => {
    expect(answerEntropy(['x', 'y', 'x', 'z', 'x'])).toBeCloseTo(answerEntropy(['x', 'x', 'x', 'y', 'z']), 15);
  });

  it('σ_H ≤ 0 gives 0; μ_H and σ_H are options; the peak is 1 at H = μ_H', () => {
    expect(proposerRewardFromEntropy(0.9, { sigmaH: 0 })).toBe(0);
    expect(proposerRewardFromEntropy(0.9, { sigmaH: -1 })).toBe(0);
    expect(proposerRewardFromEntropy(0.9)).toBe(1);
    expect(proposerRewardFromEntropy(0.5, { muH: 0.5, sigmaH: 1 })).toBe(1);
    expect(proposerRewardFromEntropy(1, { muH: 0, sigmaH: 1 })).toBeCloseTo(Math.exp(-0.5), 15);
    expect(proposerRewardFromEntropy(Number.NaN)).toBe(0);
  });

  it('an empty answer list has entropy 0', () => {
    expect(answerEntropy([])).toBe(0);
  });
});

describe('evolmmProposerReward — group contract', () => {
  const solverCompletions = [
    'It is <answer>3</answer>',
    '<answer>3.</answer>',
    '<answer>4</answer>',
    'I see\n3', // no tag: last line
    '<answer>5</answer>',
  ];

  it('extracts and normalises the Solver answers from metadata.solverCompletions', async () => {
    // answers 3, 3, 4, 3, 5 → histogram {3, 1, 1} → H = 0.950, r = 0.990
    const r = await evolmmProposerReward().score({
      completions: ['<question>How many?</question><rationale>r</rationale>'],
      metadata: { solverCompletions },
    });
    expect(r).toHaveLength(1);
    expect(r[0].components?.entropy).toBeCloseTo(0.95, 3);
    expect(r[0].components?.distinctAnswers).toBe(3);
    expect(r[0].components?.solverSamples).toBe(5);
    expect(r[0].value).toBeCloseTo(0.99, 3);
  });

  it('gives every Proposer completion the same value, and accepts solverAnswers', async () => {
    const r = await evolmmProposerReward().score({
      completions: ['q1', 'q2'],
      metadata: { solverAnswers: ['1', '1', '1', '1', '2'] },
    });
    expect(r.map((x) => x.value)).toEqual([r[0].value, r[0].value]);
    expect(r[0].value).toBeCloseTo(0.521, 3);
  });

  it('the matcher changes the histogram', async () => {
    const group = { completions: ['q'], metadata: { solverAnswers: ['3', '3.0', '3.00', '4', '4.0'] } };
    const strict = await evolmmProposerReward().score(group);
    const numeric = await evolmmProposerReward({ matcher: numericMatcher() }).score(group);
    expect(strict[0].components?.distinctAnswers).toBe(5);
    expect(numeric[0].components?.distinctAnswers).toBe(2); // {3, 2} → H = 0.673
    expect(numeric[0].value).toBeCloseTo(0.81, 3);
  });

  it('throws a teaching error when the Solver outputs are missing', () => {
    expect(() => evolmmProposerReward().score({ completions: ['q'] })).toThrow(EvolmmError);
    expect(() => evolmmProposerReward().score({ completions: ['q'] })).toThrow(/solverCompletions/);
  });
});

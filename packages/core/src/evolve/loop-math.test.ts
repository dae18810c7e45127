import { describe, expect, it } from 'vitest';
import { adaptBeta } from './adaptive-beta.js';
import { answerStats } from './answer-stats.js';
import { emaUpdate, leaveOneOutBaselines } from './baseline.js';

describe('loop arithmetic', () => {
  it('adaptive β follows docs/method.md §6.2 and §9 D1', () => {
    // KL on target → unchanged; KL = 0 → ×e^−0.1 per step: 1e-3 → 4.54e-8 after 100 steps, floor 1e-8 after 116.
    expect(adaptBeta(1e-3, 0.02)).toBe(1e-3);
    expect(adaptBeta(1e-3, 0.04)).toBeCloseTo(1e-3 * Math.exp(0.1), 15);
    let b = 1e-3;
    for (let i = 0; i < 100; i++) b = adaptBeta(b, 0);
    expect(b).toBeCloseTo(4.54e-8, 9);
    for (let i = 0; i < 16; i++) b = adaptBeta(b, 0);
    expect(b).toBe(1e-8);
    expect(adaptBeta(99, 100)).toBe(100);
    expect(adaptBeta(0.5, NaN)).toBe(0.5);
  });

  it('baselines: EMA and leave-one-out', () => {
    expect(emaUpdate(0, 1, 0.9)).toBeCloseTo(0.1, 15);
    expect(emaUpdate(0.5, 0.5, 0.9)).toBe(0.5);
    expect(leaveOneOutBaselines([1, 2, 3, 4, 5])).toEqual([3.5, 3.25, 3, 2.75, 2.5]);
    expect(leaveOneOutBaselines([0.7])).toEqual([0]);
  });

  it('answer statistics match the method table (N = 5)', () => {
    const h = (xs: string[]) => answerStats(xs).entropy;
    // docs/method.md §5 table.
    expect(h(['a', 'a', 'a', 'a', 'a'])).toBe(0);
    expect(h(['a', 'a', 'a', 'a', 'b'])).toBeCloseTo(0.5004, 4);
    expect(h(['a', 'a', 'a', 'b', 'b'])).toBeCloseTo(0.673, 3);
    expect(h(['a', 'a', 'b', 'b', 'c'])).toBeCloseTo(1.055, 3);
    expect(h(['a', 'b', 'c', 'd', 'e'])).toBeCloseTo(Math.log(5), 12);
    // Ties → first seen.
    const s = answerStats(['x', 'y', 'y', 'x', 'z']);
    expect([s.majority, s.majorityCount, s.majorityFraction, s.distinctAnswers]).toEqual(['x', 2, 0.4, 3]);
    expect(s.histogram).toEqual([['x', 2], ['y', 2], ['z', 1]]);
  });
});

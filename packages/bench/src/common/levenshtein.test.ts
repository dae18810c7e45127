import { describe, expect, it } from 'vitest';
import { createRng } from '@evolmm/core';
import { codePointLevenshtein } from './levenshtein.js';

/** Independent reference: the textbook full-matrix DP over Array.from code points. */
function naive(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  const d = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
  }
  return d[x.length]![y.length]!;
}

describe('codePointLevenshtein', () => {
  it('hand-computed distances', () => {
    expect(codePointLevenshtein('kitten', 'sitting')).toBe(3);
    expect(codePointLevenshtein('', 'abc')).toBe(3);
    expect(codePointLevenshtein('abc', '')).toBe(3);
    expect(codePointLevenshtein('flaw', 'lawn')).toBe(2);
    expect(codePointLevenshtein('🙂', 'a')).toBe(1); // one code point, as in Python (UTF-16 units would say 2)
  });
  it('agrees with a full-matrix DP on random strings, astral characters included', () => {
    const rng = createRng(3);
    const alphabet = ['a', 'b', 'c', 'd', '🙂', 'é'];
    const word = () => Array.from({ length: rng.nextInt(12) }, () => alphabet[rng.nextInt(alphabet.length)]).join('');
    for (let i = 0; i < 500; i++) {
      const a = word();
      const b = word();
      expect(codePointLevenshtein(a, b)).toBe(naive(a, b));
    }
  });
});

import { levenshtein } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@evolmm/core';
import { codePointLevenshtein } from './levenshtein.js';

describe('codePointLevenshtein', () => {
  it('hand-computed distances', () => {
    expect(codePointLevenshtein('kitten', 'sitting')).toBe(3);
    expect(codePointLevenshtein('', 'abc')).toBe(3);
    expect(codePointLevenshtein('abc', '')).toBe(3);
    expect(codePointLevenshtein('flaw', 'lawn')).toBe(2);
    expect(codePointLevenshtein('🙂', 'a')).toBe(1); // one code point (core's UTF-16 version says 2)
    expect(levenshtein('🙂', 'a')).toBe(2);
  });
  it('agrees with core’s independent implementation on BMP strings', () => {
    const rng = createRng(3);
    const word = () => Array.from({ length: rng.nextInt(12) }, () => 'abcde'[rng.nextInt(5)]).join('');
    for (let i = 0; i < 500; i++) {
      const a = word();
      const b = word();
      expect(codePointLevenshtein(a, b)).toBe(levenshtein(a, b));
    }
  });
});

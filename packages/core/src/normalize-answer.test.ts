import { describe, expect, it } from 'vitest';
import { normalizeAnswer } from './normalize-answer.js';

describe('normalizeAnswer (docs/method.md §3)', () => {
  // Every example the method spec lists.
  it.each([
    ['-3', '3'],
    ['$5', '5'],
    ['3.', '3'],
    ['3.0', '3.0'],
    ['50%', '50'],
    ['1,000', '1000'],
    ['a, b', 'a b'],
    ['(B) text', 'b) text'],
    ['Yes.', 'yes'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeAnswer(input)).toBe(expected);
  });

  it('collapses newlines, tabs and space runs', () => {
    expect(normalizeAnswer('  The\n\tAnswer   is\r\n 42 ')).toBe('the answer is 42');
  });

  it('strips punctuation and spaces only at the ends, repeatedly', () => {
    expect(normalizeAnswer('"..(x.y)!"')).toBe('x.y');
    expect(normalizeAnswer(' - . - ')).toBe('');
  });

  it('uses Python whitespace: NBSP and ideographic space collapse, BOM does not', () => {
    expect(normalizeAnswer('a\u00a0\u3000b')).toBe('a b');
    expect(normalizeAnswer('\ufeffa')).toBe('\ufeffa');
  });

  it('keeps unicode letters and is total on odd input', () => {
    expect(normalizeAnswer('Ünïcødé 東京')).toBe('ünïcødé 東京');
    expect(normalizeAnswer('')).toBe('');
    expect(normalizeAnswer('x'.repeat(100_000))).toHaveLength(100_000);
  });
});

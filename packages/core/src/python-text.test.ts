import { describe, expect, it } from 'vitest';
import { pySplit, pyStrip, pyStripChars } from './python-text.js';

describe('python text helpers', () => {
  it('strips Python whitespace, not JS whitespace', () => {
    // Python: '\x1c a \x85'.strip() == 'a'; '\ufeffa'.strip() == '\ufeffa' (BOM is not whitespace in Python).
    expect(pyStrip('\x1c a \x85')).toBe('a');
    expect(pyStrip('\ufeffa')).toBe('\ufeffa');
    expect(pyStrip(' \t\n ')).toBe('');
    expect(pyStrip('a  b')).toBe('a  b');
  });

  it('splits like str.split()', () => {
    expect(pySplit('  a \u3000 b\n\nc  ')).toEqual(['a', 'b', 'c']);
    expect(pySplit('')).toEqual([]);
  });

  it('keeps long inner whitespace runs intact (the old regex backtracked quadratically here)', () => {
    const s = `a${' '.repeat(1_000_000)}b`;
    expect(pyStrip(`  ${s}  `)).toBe(s);
    expect(pySplit(s)).toEqual(['a', 'b']);
  });

  it('strips a character set from both ends', () => {
    expect(pyStripChars('..a.b..', '.')).toBe('a.b');
  });
});

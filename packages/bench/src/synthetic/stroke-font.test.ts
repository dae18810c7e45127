import { describe, expect, it } from 'vitest';
import { CATEGORY_LETTERS, MONTHS, SERIES_NAMES } from './chart-data.js';
import { GLYPH_CHARS, hasGlyph, textElement, textPath, textWidth } from './stroke-font.js';

/** Parses "M1 2L3 4..." into [command, x, y] triples. */
function commands(d: string): Array<[string, number, number]> {
  return [...d.matchAll(/([ML])(-?[\d.]+) (-?[\d.]+)/g)].map((m) => [m[1], Number(m[2]), Number(m[3])]);
}

describe('stroke font', () => {
  it('has a glyph for every digit, upper-case letter and the punctuation used in labels', () => {
    for (const ch of '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ .,:-+=%/()?') expect(hasGlyph(ch), ch).toBe(true);
    for (const label of [...CATEGORY_LETTERS, ...MONTHS, ...SERIES_NAMES]) {
      for (const ch of label) expect(hasGlyph(ch), `${ch} in ${label}`).toBe(true);
    }
    expect(GLYPH_CHARS.length).toBe(36 + 12);
  });

  it('draws every visible glyph with at least one stroke inside its cell', () => {
    for (const ch of GLYPH_CHARS) {
      const d = textPath(ch, 0, 60, { size: 60 });
      if (ch === ' ') {
        expect(d).toBe('');
        continue;
      }
      const cmds = commands(d);
      expect(cmds.length, ch).toBeGreaterThanOrEqual(2);
      expect(cmds[0][0]).toBe('M');
      const w = textWidth(ch, 60);
      for (const [, x, y] of cmds) {
        expect(x).toBeGreaterThanOrEqual(-1e-9);
        expect(x).toBeLessThanOrEqual(w + 1e-9);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(70); // the comma descends to 7/6 of the cap height
      }
    }
  });

  it('gives every character its own shape', () => {
    const shapes = new Map<string, string>();
    for (const ch of GLYPH_CHARS) {
      if (ch === ' ') continue;
      const d = textPath(ch, 0, 6, { size: 6 });
      expect(shapes.has(d), `${ch} looks like ${shapes.get(d)}`).toBe(false);
      shapes.set(d, ch);
    }
  });

  it('anchors text: middle centres it, end right-aligns it, width scales with size', () => {
    const w = textWidth('AH', 12);
    expect(textWidth('AH', 24)).toBeCloseTo(2 * w, 9);
    // A (4) + tracking (1.4) + H (4) = 9.4 units of 12/6 px.
    expect(w).toBeCloseTo(9.4 * 2, 9);
    const xs = (anchor: 'start' | 'middle' | 'end') => commands(textPath('AH', 100, 50, { size: 12, anchor })).map((c) => c[1]);
    expect(Math.min(...xs('start'))).toBeCloseTo(100, 6);
    expect(Math.max(...xs('end'))).toBeCloseTo(100, 6);
    const mid = xs('middle');
    expect((Math.min(...mid) + Math.max(...mid)) / 2).toBeCloseTo(100, 1);
    const ys = commands(textPath('E', 0, 50, { size: 12, baseline: 'top' })).map((c) => c[2]);
    expect(Math.min(...ys)).toBe(50);
    expect(Math.max(...ys)).toBe(62);
  });

  it('refuses characters it cannot draw, naming the ones it can', () => {
    expect(() => textPath('a', 0, 0, { size: 10 })).toThrow(/no glyph for "a".*upper-case/);
    expect(() => textWidth('€', 10)).toThrow(/no glyph/);
  });

  it('emits stroked paths, never <text>, and a halo underneath when asked', () => {
    const el = textElement('42%', 10, 20, { size: 10, halo: '#ffffff' });
    expect(el).not.toContain('<text');
    expect(el.match(/<path /g)).toHaveLength(2);
    expect(el.indexOf('#ffffff')).toBeLessThan(el.indexOf('#222222'));
    expect(textElement('', 0, 0, { size: 10 })).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import { MONTH_NAMES } from './chart-data.js';
import { CHART_STYLES } from './chart-style.js';
import { DIFFICULTIES, type SyntheticChartItem } from './chart-types.js';
import { generateSyntheticCharts } from './generate.js';
import { hasGlyph } from './stroke-font.js';

/**
 * An independent answer key: reads which labels/series the question names from the question text and recomputes
 * the answer from the data (the generator computes it from the indices it drew).
 */
function answerFromQuestionText(item: SyntheticChartItem): string {
  const { labels, series } = item.data;
  const q = item.question;
  const named = q.match(/the (RED|BLUE|GREEN) line/)?.[1];
  const s = named ? series.find((x) => x.name === named)! : series[0];
  if (!named && !/lines are/.test(q)) expect(series.length).toBe(1);
  const mentioned = (q.match(/\b[A-Z]{1,3}\b/g) ?? []).filter((t) => labels.includes(t)).map((t) => labels.indexOf(t));
  const v = s.values;
  if (/^How many/.test(q)) return String(/lines are/.test(q) ? series.length : labels.length);
  if (/highest|largest/.test(q)) return labels[v.indexOf(Math.max(...v))];
  if (/lowest|smallest/.test(q)) return labels[v.indexOf(Math.min(...v))];
  if (/difference/.test(q)) {
    expect(mentioned).toHaveLength(2);
    return String(Math.abs(v[mentioned[0]] - v[mentioned[1]]));
  }
  if (/sum|total/.test(q)) {
    if (mentioned.length === 2) return String(v[mentioned[0]] + v[mentioned[1]]);
    expect(mentioned).toHaveLength(0);
    return String(v.reduce((a, b) => a + b, 0));
  }
  expect(mentioned).toHaveLength(1);
  return String(v[mentioned[0]]);
}

describe('generateSyntheticCharts', () => {
  const items = generateSyntheticCharts({ count: 300, seed: 11, difficulty: ['easy', 'medium', 'hard'] });

  it('is deterministic per seed, differs across seeds, and is prefix-stable in count', () => {
    expect(generateSyntheticCharts({ count: 300, seed: 11, difficulty: ['easy', 'medium', 'hard'] })).toEqual(items);
    const other = generateSyntheticCharts({ count: 300, seed: 12, difficulty: ['easy', 'medium', 'hard'] });
    expect(other.filter((x, i) => x.svg === items[i].svg).length).toBeLessThan(30);
    expect(generateSyntheticCharts({ count: 40, seed: 11, difficulty: ['easy', 'medium', 'hard'] })).toEqual(items.slice(0, 40));
    expect(new Set(items.map((x) => x.id)).size).toBe(items.length);
  });

  it('gives answers that follow from the data, recomputed from the question text', () => {
    for (const item of items) expect(answerFromQuestionText(item), `${item.id}: ${item.question}`).toBe(item.answer);
    expect(items.filter((x) => x.answerType === 'label').every((x) => x.data.labels.includes(x.answer))).toBe(true);
    expect(items.filter((x) => x.answerType === 'number').every((x) => /^\d+$/.test(x.answer))).toBe(true);
  });

  it('covers every kind × question type × difficulty and assigns kinds round-robin', () => {
    const combos = new Set(items.map((x) => `${x.kind}/${x.questionType}`));
    expect(combos.size).toBe(18);
    expect(new Set(items.map((x) => x.difficulty))).toEqual(new Set(DIFFICULTIES));
    items.forEach((x, i) => expect(x.kind).toBe(['bar', 'line', 'pie'][i % 3]));
    // Two-series line charts appear at 'hard' only, with colour-named series.
    const multi = items.filter((x) => x.data.series.length > 1);
    expect(multi.length).toBeGreaterThan(0);
    expect(multi.every((x) => x.kind === 'line' && x.difficulty === 'hard')).toBe(true);
  });

  it('keeps the data inside each difficulty style, with distinct values and pies summing to 100', () => {
    for (const item of items) {
      const style = CHART_STYLES[item.difficulty];
      const n = item.data.labels.length;
      expect(n).toBeGreaterThanOrEqual(style.categories[0]);
      expect(n).toBeLessThanOrEqual(style.categories[1]);
      for (const s of item.data.series) {
        expect(s.values).toHaveLength(n);
        expect(new Set(s.values).size).toBe(n);
        if (item.kind === 'pie') {
          expect(s.values.reduce((a, b) => a + b, 0)).toBe(100);
          expect(Math.min(...s.values)).toBeGreaterThanOrEqual(style.pieMinPercent);
        } else {
          for (const v of s.values) {
            expect(v).toBeGreaterThanOrEqual(style.values[0]);
            expect(v).toBeLessThanOrEqual(style.values[1]);
            expect((v - style.values[0]) % style.step).toBe(0);
          }
        }
      }
    }
  });

  it('draws every label with the stroke font: each character has a glyph and the SVG has no <text>', () => {
    for (const item of items) {
      const strings = [...item.data.labels, ...item.data.series.map((s) => s.name), ...item.data.series.flatMap((s) => s.values.map(String))];
      for (const str of strings) for (const ch of str) expect(hasGlyph(ch), `${ch} in ${item.id}`).toBe(true);
      expect(item.svg).not.toMatch(/<text|font-family/);
      expect(item.svg).toContain(`width="${item.size.width}" height="${item.size.height}"`);
    }
  });

  it('uses full month names as aliases of month answers, and no aliases for letters', () => {
    const labelItems = items.filter((x) => x.answerType === 'label');
    expect(labelItems.some((x) => x.kind === 'line')).toBe(true);
    for (const x of labelItems) {
      const expected = x.kind === 'line' && x.answer !== 'MAY' ? [MONTH_NAMES[x.answer]] : [];
      expect(x.aliases, x.id).toEqual(expected);
    }
    expect(MONTH_NAMES.SEP).toBe('SEPTEMBER');
  });

  it('validates its options with errors that say what to do', () => {
    expect(() => generateSyntheticCharts({ count: 1, size: 200 })).toThrow(/multiple of 28/);
    expect(() => generateSyntheticCharts({ count: 1, size: { width: 280, height: 84 } })).toThrow(/at least 112/);
    expect(() => generateSyntheticCharts({ count: 1, kinds: [] })).toThrow(/kinds is empty/);
    expect(() => generateSyntheticCharts({ count: 1, kinds: ['donut' as never] })).toThrow(/bar, line, pie/);
    expect(() => generateSyntheticCharts({ count: -1 })).toThrow(/non-negative/);
    expect(generateSyntheticCharts({ count: 2, size: { width: 280, height: 224 } })[1].size).toEqual({ width: 280, height: 224 });
    expect(generateSyntheticCharts({ count: 5, questionTypes: ['count'] }).every((x) => x.questionType === 'count')).toBe(true);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chartqa, chartqaCorrect } from './benchmark.js';
import type { ChartQAItem } from './types.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/benchdata/chartqa/official_test');
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as { imgname: string; query: string; label: string }[];
const human = load('test_human.json');
const augmented = load('test_augmented.json');
const labels = [...human, ...augmented].map((r) => r.label);

// An independent reading of "is this label a Python float?" for ASCII labels (none has %, _, or non-ASCII digits).
const FLOAT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const numeric = labels.filter((l) => FLOAT.test(l));
const words = labels.filter((l) => !FLOAT.test(l));

describe('ChartQA relaxed accuracy on the official test labels (docs/benchmarks.md §3.1)', () => {
  it('the label files hold 1250 + 1250 items with 835 + 1080 numeric labels', () => {
    expect(human).toHaveLength(1250);
    expect(augmented).toHaveLength(1250);
    expect(human.filter((r) => FLOAT.test(r.label))).toHaveLength(835);
    expect(augmented.filter((r) => FLOAT.test(r.label))).toHaveLength(1080);
  });

  it('every label is correct against itself', () => {
    expect(labels.filter((l) => !chartqaCorrect(l, l))).toEqual([]);
  });

  it('numeric labels: within 5 % (inclusive) is right, beyond is wrong; zero falls back to string equality', () => {
    for (const l of numeric) {
      const g = Number(l);
      if (g === 0) {
        expect(chartqaCorrect('0.0', l)).toBe(l === '0.0');
        expect(chartqaCorrect('0.01', l)).toBe(false);
        continue;
      }
      expect(chartqaCorrect(String(g * 1.04), l)).toBe(true);
      expect(chartqaCorrect(String(g * 0.96), l)).toBe(true);
      expect(chartqaCorrect(String(g * 1.06), l)).toBe(false);
      expect(chartqaCorrect(String(g * 0.94), l)).toBe(false);
      // whitespace around a number is stripped by float(); a percentage divides by 100
      expect(chartqaCorrect(` ${l}\n`, l)).toBe(true);
      expect(chartqaCorrect(`${g * 100}%`, l)).toBe(true);
      expect(chartqaCorrect(`${l}%`, l)).toBe(false);
      expect(chartqaCorrect('nan', l)).toBe(false);
      expect(chartqaCorrect('inf', l)).toBe(false);
      expect(chartqaCorrect('yes', l)).toBe(false);
    }
  });

  it('the 5 % bound is inclusive: exactly 1.05·g is right', () => {
    expect(chartqaCorrect('105', '100')).toBe(true);
    expect(chartqaCorrect('95', '100')).toBe(true);
    expect(chartqaCorrect('105.0001', '100')).toBe(false);
  });

  it('thousands separators are not numbers; Python float grammar (underscores, Unicode digits) is', () => {
    const big = numeric.filter((l) => /^\d{4,}$/.test(l));
    expect(big.length).toBeGreaterThan(10);
    for (const l of big) {
      const withCommas = Number(l).toLocaleString('en-US');
      expect(chartqaCorrect(withCommas, l)).toBe(false);
      expect(chartqaCorrect(l.slice(0, 1) + '_' + l.slice(1), l)).toBe(true);
      expect(chartqaCorrect('0x' + Number(l).toString(16), l)).toBe(false);
    }
    expect(chartqaCorrect('١٤', '14')).toBe(true); // Arabic-Indic digits
  });

  it('word labels: case-insensitive exact match, no trimming, no punctuation removal', () => {
    expect(words.length).toBe(2500 - 835 - 1080);
    for (const l of words) {
      expect(chartqaCorrect(l.toUpperCase(), l)).toBe(true);
      expect(chartqaCorrect(l.toLowerCase(), l)).toBe(true);
      expect(chartqaCorrect(`${l}.`, l)).toBe(false);
      expect(chartqaCorrect(`${l} `, l)).toBe(false);
      expect(chartqaCorrect(` ${l}`, l)).toBe(false);
    }
    expect(chartqaCorrect('Yes.', 'Yes')).toBe(false);
  });

  it('bracketed list labels only match as exact strings', () => {
    const lists = human.map((r) => r.label).filter((l) => l.startsWith('['));
    expect(lists).toHaveLength(22);
    for (const l of lists) {
      expect(chartqaCorrect(l, l)).toBe(true);
      expect(chartqaCorrect(l.replaceAll(' ', ''), l)).toBe(l.replaceAll(' ', '') === l);
    }
  });

  it('the benchmark applies the lmms-eval wrapper cleanup before comparing', () => {
    const bench = chartqa();
    const item: ChartQAItem = { id: '0', type: 'human_test', question: 'q', answer: '14', image: 'x.png' };
    expect(bench.score(item, '<answer> 14 </answer>').correct).toBe(true);
    expect(bench.score(item, 'The value is \\boxed{14}').correct).toBe(true);
    expect(bench.score(item, '14.').correct).toBe(true); // float('14.') is 14.0
    expect(bench.score(item, '14 charts').correct).toBe(false);
    expect(chartqa({ outputCleanup: 'none' }).score(item, '<answer>14</answer>').correct).toBe(false);
    const summary = bench.summarize([bench.score(item, '14'), bench.score({ ...item, id: '1', type: 'augmented_test' }, '3')]);
    expect(summary).toMatchObject({ correct: 1, total: 2, accuracy: 50 });
    expect(summary.breakdowns.type).toEqual({
      human_test: { correct: 1, total: 1, accuracy: 100 },
      augmented_test: { correct: 0, total: 1, accuracy: 0 },
    });
    expect(bench.officialScores([bench.score(item, '14'), bench.score({ ...item, type: 'augmented_test' }, '3')])).toEqual({
      relaxed_overall: 0.5,
      relaxed_human_split: 1,
      relaxed_augmented_split: 0,
    });
  });
});

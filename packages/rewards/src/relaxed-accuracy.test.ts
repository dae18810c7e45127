import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePythonFloat } from './python-float.js';
import { relaxedCorrectness } from './relaxed-accuracy.js';

const here = dirname(fileURLToPath(import.meta.url));
// /work/main/packages/rewards/src → ../shared/benchdata relative to the repository root.
const BENCH = join(here, '..', '..', '..', '..', 'shared', 'benchdata', 'chartqa', 'official_test');

interface Labelled {
  imgname: string;
  query: string;
  label: string;
}
const human = JSON.parse(readFileSync(join(BENCH, 'test_human.json'), 'utf8')) as Labelled[];
const augmented = JSON.parse(readFileSync(join(BENCH, 'test_augmented.json'), 'utf8')) as Labelled[];
const combined = readFileSync(join(BENCH, 'chartqa_test_combined.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { idx: number; type: string; answer: string });

/** CPython's verdicts, written by scripts/gen-relaxed-fixture.py (an independent implementation). */
const fixture = JSON.parse(readFileSync(join(here, '__fixtures__', 'chartqa-relaxed.json'), 'utf8')) as {
  items: { idx: number; preds: string[]; ok: string }[];
  pythonFloat: [string, string | null][];
};

describe('relaxedCorrectness — docs/benchmarks.md §3.1 rules', () => {
  it('5 % relative tolerance, inclusive at the boundary', () => {
    // 105 vs 100: |5|/100 = 0.05 exactly in binary → inclusive → correct.
    expect(relaxedCorrectness('105', '100')).toBe(true);
    expect(relaxedCorrectness('95', '100')).toBe(true);
    expect(relaxedCorrectness('105.0001', '100')).toBe(false);
    expect(relaxedCorrectness('94.9999', '100')).toBe(false);
    expect(relaxedCorrectness('-105', '-100')).toBe(true); // |g| in the denominator
    expect(relaxedCorrectness('105', '-100')).toBe(false);
    // Floating point is Python's: 1.05 − 1 = 0.050000000000000044 > 0.05.
    expect(relaxedCorrectness('1.05', '1')).toBe(false);
  });

  it('the tolerance is configurable', () => {
    expect(relaxedCorrectness('110', '100', 0.1)).toBe(true);
    expect(relaxedCorrectness('111', '100', 0.1)).toBe(false);
    expect(relaxedCorrectness('100.5', '100', 0)).toBe(false);
    expect(relaxedCorrectness('100', '100', 0)).toBe(true);
  });

  it('a trailing % divides by 100 (every trailing %, as rstrip)', () => {
    expect(relaxedCorrectness('45%', '45')).toBe(false); // 0.45 vs 45
    expect(relaxedCorrectness('45%', '0.45')).toBe(true);
    expect(relaxedCorrectness('45%%', '0.45')).toBe(true);
    expect(relaxedCorrectness('45 %', '0.45')).toBe(true); // float('45 ') succeeds
    expect(relaxedCorrectness('45% ', '0.45')).toBe(false); // does not end with %: float fails → string compare
    expect(relaxedCorrectness('%', '%')).toBe(true); // not numbers → string equality
  });

  it('falls back to case-insensitive string equality without trimming or punctuation removal', () => {
    expect(relaxedCorrectness('yes', 'Yes')).toBe(true);
    expect(relaxedCorrectness('Yes.', 'Yes')).toBe(false);
    expect(relaxedCorrectness('Yes ', 'Yes')).toBe(false);
    expect(relaxedCorrectness(' Yes', 'Yes')).toBe(false);
    expect(relaxedCorrectness('[2014, 2016]', '[2014, 2016]')).toBe(true);
    expect(relaxedCorrectness('[2014,2016]', '[2014, 2016]')).toBe(false);
  });

  it('"1,000" is not a number; a word against a numeric gold is wrong unless equal', () => {
    expect(relaxedCorrectness('1,000', '1000')).toBe(false);
    expect(relaxedCorrectness('1,000', '1,000')).toBe(true);
    expect(relaxedCorrectness('ten', '10')).toBe(false);
  });

  it('a zero target falls back to string equality', () => {
    expect(relaxedCorrectness('0', '0')).toBe(true);
    expect(relaxedCorrectness('0.0', '0')).toBe(false);
    expect(relaxedCorrectness('-0', '0')).toBe(false);
    expect(relaxedCorrectness('0%', '0%')).toBe(true);
  });

  it('NaN is never within tolerance; infinities never match a finite or infinite gold numerically', () => {
    expect(relaxedCorrectness('nan', '5')).toBe(false);
    expect(relaxedCorrectness('nan', 'nan')).toBe(false); // g = NaN is truthy; |NaN|/|NaN| ≤ 0.05 is false
    expect(relaxedCorrectness('inf', 'inf')).toBe(false); // inf − inf = NaN
    expect(relaxedCorrectness('1e400', '5')).toBe(false);
    expect(relaxedCorrectness('5', 'inf')).toBe(false);
  });

  it('uses Python float() grammar, not JS Number', () => {
    expect(relaxedCorrectness('', '0')).toBe(false); // JS Number('') = 0; Python raises
    expect(relaxedCorrectness('0x10', '16')).toBe(false);
    expect(relaxedCorrectness('1_000', '1000')).toBe(true);
    expect(relaxedCorrectness(' 12 ', '12')).toBe(true); // float() strips whitespace
    expect(relaxedCorrectness('12abc', '12')).toBe(false);
    expect(relaxedCorrectness('١٢', '12')).toBe(true); // Arabic-Indic digits are decimal digits
    expect(relaxedCorrectness('.5', '0.5')).toBe(true);
    expect(relaxedCorrectness('5.', '5')).toBe(true);
    expect(relaxedCorrectness('5e0', '5')).toBe(true);
  });
});

describe('parsePythonFloat against CPython float()', () => {
  it.each(fixture.pythonFloat)('float(%j) = %s', (input, expected) => {
    const got = parsePythonFloat(input);
    if (expected === null) expect(got).toBeUndefined();
    else if (expected === 'nan') expect(got).toBeNaN();
    else if (expected === 'inf') expect(got).toBe(Number.POSITIVE_INFINITY);
    else if (expected === '-inf') expect(got).toBe(Number.NEGATIVE_INFINITY);
    else expect(got).toBe(Number(expected));
  });
});

describe('relaxedCorrectness on the official ChartQA test labels', () => {
  it('the label files are the ones docs/benchmarks.md describes', () => {
    expect(human).toHaveLength(1250);
    expect(augmented).toHaveLength(1250);
    expect(combined).toHaveLength(2500);
    // "Numeric labels: 835 human, 1080 augmented; no label ends in %" and 22 bracketed lists in the human file.
    const numeric = (xs: Labelled[]) => xs.filter((x) => parsePythonFloat(x.label) !== undefined).length;
    expect(numeric(human)).toBe(835);
    expect(numeric(augmented)).toBe(1080);
    expect([...human, ...augmented].filter((x) => x.label.endsWith('%'))).toHaveLength(0);
    expect(human.filter((x) => x.label.startsWith('['))).toHaveLength(22);
  });

  it('every label is correct against itself except NaN-like ones (there are none)', () => {
    for (const x of [...human, ...augmented]) expect(relaxedCorrectness(x.label, x.label)).toBe(true);
  });

  it('matches CPython on 30k predictions derived from all 2500 labels', () => {
    expect(fixture.items).toHaveLength(2500);
    let checked = 0;
    let positives = 0;
    const mismatches: string[] = [];
    for (const row of fixture.items) {
      const target = combined[row.idx].answer;
      row.preds.forEach((pred, k) => {
        const want = row.ok[k] === '1';
        if (relaxedCorrectness(pred, target) !== want) mismatches.push(`${JSON.stringify(pred)} vs ${JSON.stringify(target)}`);
        checked++;
        if (want) positives++;
      });
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(25_000);
    // Both verdicts occur often, so the comparison could fail either way.
    expect(positives).toBeGreaterThan(5_000);
    expect(checked - positives).toBeGreaterThan(5_000);
  });

  it('the combined JSONL agrees with the two official files', () => {
    const labels = [...human, ...augmented].map((x) => x.label);
    expect(combined.map((c) => c.answer)).toEqual(labels);
  });
});

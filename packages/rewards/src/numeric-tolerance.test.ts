import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EvolmmError } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { numericReward } from './numeric-tolerance.js';
import { relaxedCorrectness } from './relaxed-accuracy.js';

const here = dirname(fileURLToPath(import.meta.url));

async function values(plugin: ReturnType<typeof numericReward>, reference: string, answers: string[]) {
  const r = await plugin.score({ completions: answers.map((a) => `<answer>${a}</answer>`), reference });
  return r.map((x) => x.value);
}

describe('numericReward — tolerance mode', () => {
  it('absolute tolerance', async () => {
    const p = numericReward({ absTolerance: 0.5, relTolerance: 0 });
    expect(await values(p, '10', ['10', '10.5', '9.5', '10.51', '9.49', 'ten'])).toEqual([1, 1, 1, 0, 0, 0]);
  });

  it('relative tolerance is relative to the reference', async () => {
    const p = numericReward({ absTolerance: 0, relTolerance: 0.1 });
    expect(await values(p, '200', ['220', '180', '221', '179'])).toEqual([1, 1, 0, 0]);
    expect(await values(p, '-200', ['-220', '220'])).toEqual([1, 0]);
  });

  it('defaults: equality up to formatting (abs 1e-9, rel 1e-6)', async () => {
    const p = numericReward();
    expect(await values(p, '1234.5', ['1,234.5', '1234.50', '$1234.5', '1.2345e3', '1234.6', '2469/2'])).toEqual([
      1, 1, 1, 1, 0, 1,
    ]);
    expect(await values(p, '0.75', ['3/4', '\\frac{3}{4}', '75%', '0.7500001'])).toEqual([1, 1, 1, 1]);
    expect(await values(p, '0.75', ['0.751'])).toEqual([0]);
  });

  it('percentages: either (default), fraction, number', async () => {
    expect(await values(numericReward(), '50', ['50%', '0.5'])).toEqual([1, 0]);
    expect(await values(numericReward(), '0.5', ['50%', '50'])).toEqual([1, 0]);
    expect(await values(numericReward({ percent: 'fraction' }), '50', ['50%'])).toEqual([0]);
    expect(await values(numericReward({ percent: 'fraction' }), '0.5', ['50%'])).toEqual([1]);
    expect(await values(numericReward({ percent: 'number' }), '50', ['50%'])).toEqual([1]);
    expect(await values(numericReward({ percent: 'number' }), '0.5', ['50%'])).toEqual([0]);
  });

  it('units: ignored by default, compared in strict mode', async () => {
    expect(await values(numericReward(), '12 km', ['12', '12 km', '12 m'])).toEqual([1, 1, 1]);
    expect(await values(numericReward({ units: 'strict' }), '12 km', ['12', '12 KM', '12 m'])).toEqual([0, 1, 0]);
  });

  it('last-number extraction for untidy answers', async () => {
    expect(await values(numericReward(), '42', ['The total is 42.'])).toEqual([0]);
    expect(await values(numericReward({ extract: 'last-number' }), '42', ['The total is 42.', '42 or 43'])).toEqual([
      1, 0,
    ]);
  });

  it('a non-numeric reference falls back to EvoLMM normalised equality, or zero', async () => {
    expect(await values(numericReward(), 'Yes', ['yes.', 'no'])).toEqual([1, 0]);
    expect(await values(numericReward({ nonNumericReference: 'zero' }), 'Yes', ['yes.'])).toEqual([0]);
  });

  it('reports whether the answer parsed', async () => {
    const r = await numericReward().score({ completions: ['<answer>5</answer>', '<answer>five</answer>'], reference: '5' });
    expect(r.map((x) => x.components?.parsed)).toEqual([1, 0]);
  });

  it('needs a reference; rejects negative tolerances', () => {
    expect(() => numericReward().score({ completions: ['1'] })).toThrow(EvolmmError);
    expect(() => numericReward({ relTolerance: -1 })).toThrow(/relTolerance/);
  });
});

describe('numericReward — chartqa mode equals relaxedCorrectness', () => {
  const fixture = JSON.parse(readFileSync(join(here, '__fixtures__', 'chartqa-relaxed.json'), 'utf8')) as {
    items: { idx: number; preds: string[]; ok: string }[];
  };
  const combined = readFileSync(
    join(here, '..', '..', '..', '..', 'shared', 'benchdata', 'chartqa', 'official_test', 'chartqa_test_combined.jsonl'),
    'utf8',
  )
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { answer: string });

  it('on the official labels and CPython verdicts (answers passed as group.answers, untrimmed)', async () => {
    const plugin = numericReward({ mode: 'chartqa' });
    let n = 0;
    for (const row of fixture.items.slice(0, 800)) {
      const reference = combined[row.idx].answer;
      const r = await plugin.score({ completions: row.preds, answers: row.preds, reference });
      expect(r.map((x) => String(x.value)).join('')).toBe(row.ok);
      row.preds.forEach((p, k) => expect(r[k].value).toBe(relaxedCorrectness(p, reference) ? 1 : 0));
      n += row.preds.length;
    }
    expect(n).toBeGreaterThan(5000);
  });

  it('the tolerance option maps to the relative change', async () => {
    const p = numericReward({ mode: 'chartqa', relTolerance: 0.1 });
    expect((await p.score({ completions: ['110', '111'], answers: ['110', '111'], reference: '100' })).map((x) => x.value)).toEqual([1, 0]);
  });
});

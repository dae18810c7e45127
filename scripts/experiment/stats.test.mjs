// node --test scripts/experiment/ — checks the experiment's statistics against hand-computed values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mcnemarExact, pairedBootstrap, summarize, tInterval } from './stats.mjs';

test('exact McNemar equals the two-sided binomial tail computed by hand', () => {
  // b = 10, c = 2: 2 · (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 · 79 / 4096.
  assert.ok(Math.abs(mcnemarExact(10, 2) - (2 * 79) / 4096) < 1e-12);
  assert.ok(Math.abs(mcnemarExact(0, 5) - 2 / 32) < 1e-12);
  assert.equal(mcnemarExact(3, 3), 1);
  assert.equal(mcnemarExact(0, 0), 1);
});

test('t-interval uses the sample sd and Student quantiles', () => {
  const r = tInterval([1, 2, 3]);
  assert.equal(r.mean, 2);
  assert.equal(r.sd, 1);
  assert.ok(Math.abs(r.hi - (2 + 4.303 / Math.sqrt(3))) < 1e-9);
  assert.ok(Number.isNaN(tInterval([5]).lo));
});

test('paired bootstrap of constant differences is a point; of mixed ones brackets the mean', () => {
  assert.deepEqual(pairedBootstrap([[1, 1, 1], [1, 1, 1]]), { lo: 1, hi: 1 });
  const d = [[1, 0, 0, 1, 0, -1, 1, 0], [0, 1, 0, 1, 0, 0, 1, 0]];
  const b = pairedBootstrap(d);
  const m = d.flat().reduce((a, x) => a + x, 0) / 16;
  assert.ok(b.lo < m && m < b.hi && b.lo >= -1 && b.hi <= 1);
});

test('summarize counts per-item flips pooled over seeds', () => {
  const items = (xs) => xs.map((c) => ({ correct: c }));
  const seed = (before, after) => ({
    before: { accuracy: before.reduce((a, b) => a + b) / before.length, majorityAccuracy: 0, majorityFraction: 1, items: items(before) },
    conditions: { x: { after: { accuracy: after.reduce((a, b) => a + b) / after.length, majorityAccuracy: 0, majorityFraction: 1, items: items(after) }, curves: [] } },
  });
  const s = summarize([seed([0, 1, 1, 0], [1, 1, 0, 1]), seed([1, 1, 0, 0], [1, 1, 1, 0])], ['x']).byCondition.x;
  assert.deepEqual({ b: s.mcnemar.wrongToRight, c: s.mcnemar.rightToWrong }, { b: 3, c: 1 });
  assert.deepEqual(s.gains, [0.25, 0.25]);
});

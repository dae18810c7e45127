/**
 * Rewards never throw on odd model output and always return finite values in their documented range
 * (spec/reward.ts). Thousands of random strings built from tags, numbers-that-are-not-numbers, unicode edge cases,
 * prototype keys and whitespace, plus megabyte-long outputs.
 */
import { createRng, type RewardGroup, type RewardPlugin, type Rng } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { clusterAnswers, numericMatcher, semanticMatcher, stringMatcher } from './answer-matcher.js';
import { gate, product, weightedSum } from './combinators.js';
import { answerEntropy, evolmmProposerReward } from './entropy-band-pass.js';
import { exactMatchReward } from './exact-match.js';
import { formatReward } from './format.js';
import { numericReward } from './numeric-tolerance.js';
import { lastQuantity, parseNumber, parseQuantity } from './parse-number.js';
import { parsePythonFloat } from './python-float.js';
import { relaxedCorrectness } from './relaxed-accuracy.js';
import { discreteMajorityReward, evolmmSolverReward } from './self-consistency.js';
import { semanticReward } from './semantic-similarity.js';
import { textSimilarity } from './text-similarity.js';

const PIECES = [
  '<answer>', '</answer>', '<ANSWER>', '<question>', '</question>', '<rationale>', '</rationale>', '<', '>', '/',
  'NaN', 'nan', 'Infinity', '-inf', '1e999', '-1e-999', '-0', '1/0', '0/0', '50%', '%', '%%', '1,000', '1,5',
  '\\frac{1}{0}', '\\frac', '3.', '.', '$', '$$', '−', '+-', '0x1F', '1_000', '½', '٣', '𝟗', '１２', '10^', '× 10^999',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty',
  ' ', '  ', '\n', '\r\n', '\t', '\u3000', '\u00a0', '\x1c', '\u2028', '\u200b', '\ufeff', '\u0000',
  'é', 'e\u0301', '中文', '🙂', '👨‍👩‍👧', '\u202e', '\ud800', '\udfff', 'İ', 'ß', 'Σ', 'ﬁ',
  'the', 'a', 'an', 'yes', 'No.', 'cm', 'km/h', 'percent', 'unknown', '3', '4', '42', '0', '-3', '3.0', '7/3',
];

function randomString(rng: Rng): string {
  const n = rng.nextInt(40);
  let s = '';
  for (let i = 0; i < n; i++) {
    if (rng.next() < 0.2) s += String.fromCharCode(32 + rng.nextInt(95));
    else if (rng.next() < 0.05) s += String.fromCodePoint(rng.nextInt(0x110000 - 0x800) + (rng.next() < 0.5 ? 0 : 0x800));
    else s += PIECES[rng.nextInt(PIECES.length)];
  }
  return s;
}

/** Deterministic toy embedding (character histogram), sometimes returning a zero or NaN vector. */
async function embed(texts: string[]): Promise<number[][]> {
  return texts.map((t) => {
    const v = [0, 0, 0, 0];
    for (const ch of t.slice(0, 500)) v[(ch.codePointAt(0) ?? 0) % 4] += 1;
    if (t.includes('NaN')) v[0] = Number.NaN;
    return v;
  });
}

type Range = 'binary' | 'unit' | 'atMostOne' | 'finite';
const unit: Range = 'unit';

const solver = evolmmSolverReward();
const PLUGINS: [RewardPlugin, Range][] = [
  [exactMatchReward(), 'binary'],
  [exactMatchReward({ units: true }), 'binary'],
  [exactMatchReward({ mode: 'evolmm' }), 'binary'],
  [numericReward(), 'binary'],
  [numericReward({ extract: 'last-number', units: 'strict', percent: 'fraction' }), 'binary'],
  [numericReward({ mode: 'chartqa' }), 'binary'],
  [semanticReward(), unit],
  [semanticReward({ metric: 'jaro-winkler', stemmer: 'porter' }), unit],
  [semanticReward({ metric: 'dice', tokenizer: 'word', stemmer: 'lancaster' }), unit],
  [semanticReward({ against: 'group', tokenizer: 'treebank' }), unit],
  [semanticReward({ embed }), unit],
  [solver, unit],
  [evolmmSolverReward({ clip: false }), 'atMostOne'],
  [evolmmSolverReward({ matcher: numericMatcher({ relTolerance: 0.05 }) }), unit],
  [evolmmSolverReward({ matcher: semanticMatcher({ metric: 'jaro-winkler', threshold: 0.8 }) }), unit],
  [discreteMajorityReward(), 'binary'],
  [discreteMajorityReward({ matcher: numericMatcher() }), 'binary'],
  [evolmmProposerReward(), unit],
  [evolmmProposerReward({ matcher: numericMatcher() }), unit],
  [formatReward(), unit],
  [formatReward({ role: 'proposer', strict: true, partialCredit: 0.5 }), unit],
  [weightedSum([{ plugin: solver, weight: 0.8 }, { plugin: formatReward(), weight: 0.2 }]), unit],
  [product([solver, formatReward()]), unit],
  [gate(formatReward(), solver, 1), unit],
];

function inRange(v: number, range: Range): boolean {
  if (!Number.isFinite(v)) return false;
  if (range === 'binary') return v === 0 || v === 1;
  if (range === 'unit') return v >= 0 && v <= 1;
  if (range === 'atMostOne') return v <= 1;
  return true;
}

async function checkGroup(group: RewardGroup): Promise<void> {
  for (const [plugin, range] of PLUGINS) {
    const results = await plugin.score(group);
    expect(results).toHaveLength(group.completions.length);
    for (const r of results) {
      if (!inRange(r.value, range)) throw new Error(`${plugin.name} gave ${r.value} (${range}) on ${JSON.stringify(group).slice(0, 300)}`);
      for (const c of Object.values(r.components ?? {})) expect(Number.isFinite(c)).toBe(true);
    }
  }
}

describe('fuzz: every plugin on random model output', () => {
  it('1,000 random groups (thousands of strings): no throw, finite, in range', async () => {
    const rng = createRng(20251125);
    let strings = 0;
    for (let g = 0; g < 1000; g++) {
      const n = 1 + rng.nextInt(8);
      const completions = Array.from({ length: n }, () => randomString(rng));
      const solverCompletions = Array.from({ length: rng.nextInt(7) }, () => randomString(rng));
      const answers = rng.next() < 0.3 ? completions.map(() => randomString(rng)) : undefined;
      const group: RewardGroup = { completions, reference: randomString(rng), metadata: { solverCompletions }, answers };
      strings += n + 1 + solverCompletions.length + (answers?.length ?? 0);
      await checkGroup(group);
    }
    expect(strings).toBeGreaterThan(5000);
  }, 180_000);

  it('pure helpers never throw and return their documented types', () => {
    const rng = createRng(99);
    const matchers = [stringMatcher, numericMatcher(), semanticMatcher()];
    for (let i = 0; i < 3000; i++) {
      const a = randomString(rng);
      const b = randomString(rng);
      expect(typeof relaxedCorrectness(a, b)).toBe('boolean');
      const f = parsePythonFloat(a);
      expect(f === undefined || typeof f === 'number').toBe(true);
      const x = parseNumber(a);
      expect(x === undefined || Number.isFinite(x)).toBe(true);
      const q = parseQuantity(a) ?? lastQuantity(a);
      expect(q === undefined || Number.isFinite(q.value)).toBe(true);
      const s = textSimilarity(a, b, { metric: (['jaro-winkler', 'dice', 'tfidf-cosine'] as const)[i % 3] });
      expect(s >= 0 && s <= 1).toBe(true);
      for (const m of matchers) expect(typeof m(a, b)).toBe('boolean');
      const h = answerEntropy([a, b, a], matchers[i % 3]);
      expect(h >= 0 && h <= Math.log(3) + 1e-12).toBe(true);
      expect(clusterAnswers([a, b], matchers[i % 3]).labels[0]).toBe(0);
    }
  });

  it('megabyte-long outputs', async () => {
    const mb = 1 << 20;
    const words = 'word '.repeat(mb / 5);
    const completions = [
      `${words}<answer>3</answer>`,
      `<answer>${'9'.repeat(mb)}</answer>`,
      `<question>${'é🙂中'.repeat(mb / 4)}</question><rationale>r</rationale>`,
    ];
    await checkGroup({ completions, reference: '9'.repeat(mb), metadata: { solverCompletions: completions } });
    const r = await evolmmSolverReward().score({ completions });
    expect(r[0].components?.preAnswerWords).toBe(Math.floor(mb / 5));
    expect(r[0].components?.lengthPenalty).toBe(1);
    expect(r[1].components?.preAnswerWords).toBe(0);
    expect(relaxedCorrectness('9'.repeat(mb), '9'.repeat(mb))).toBe(false); // inf − inf = NaN, as in Python
    expect(relaxedCorrectness(`${'%'.repeat(mb)}x%`, 'y')).toBe(false);
  }, 180_000);
});

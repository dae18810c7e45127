import { createRng } from '@evolmm/core';
import TfIdf from 'natural/lib/natural/tfidf/tfidf.js';
import { describe, expect, it } from 'vitest';
import { createTokenize, textSimilarity, tfidfCosine, tokenSimilarity, vectorCosine } from './text-similarity.js';

describe('Jaro–Winkler and Dice (natural) — published values', () => {
  it('Jaro–Winkler: MARTHA/MARHTA 0.961, DWAYNE/DUANE 0.840, DIXON/DICKSONX 0.813 (Winkler 1990)', () => {
    const jw = { metric: 'jaro-winkler' as const };
    expect(textSimilarity('MARTHA', 'MARHTA', jw)).toBeCloseTo(0.961, 3);
    expect(textSimilarity('DWAYNE', 'DUANE', jw)).toBeCloseTo(0.84, 3);
    expect(textSimilarity('DIXON', 'DICKSONX', jw)).toBeCloseTo(0.813, 3);
    expect(textSimilarity('abc', 'abc', jw)).toBe(1);
    expect(textSimilarity('abc', 'xyz', jw)).toBe(0);
  });

  it('Dice on character bigrams: night/nacht = 2·1/(4+4) = 0.25', () => {
    expect(textSimilarity('night', 'nacht', { metric: 'dice' })).toBe(0.25);
    // Two empty strings are identical (natural alone would return 0/0 = NaN); one empty string is 0.
    expect(textSimilarity('', '', { metric: 'dice' })).toBe(1);
    expect(textSimilarity('', 'abc', { metric: 'dice' })).toBe(0);
  });
});

describe('TF-IDF cosine', () => {
  it('hand-computed: idf(t) = 1 + ln(D / (1 + df))', () => {
    // a = {cat, sat}, b = {cat, ran}, D = 2: idf(cat) = 1 + ln(2/3), idf(sat) = idf(ran) = 1 + ln(1) = 1.
    const w = 1 + Math.log(2 / 3);
    expect(tfidfCosine(['cat', 'sat'], ['cat', 'ran'])).toBeCloseTo((w * w) / (w * w + 1), 15);
    expect(tfidfCosine(['x'], ['x'])).toBe(1);
    expect(tfidfCosine(['x'], ['y'])).toBe(0);
    expect(tfidfCosine([], [])).toBe(1);
    expect(tfidfCosine([], ['y'])).toBe(0);
  });

  it("equals the cosine of natural's TfIdf vectors on random documents", () => {
    const rng = createRng(3);
    const vocab = ['cat', 'dog', 'bar', 'chart', 'value', 'year', 'sales', 'rise', 'fall', 'blue'];
    for (let trial = 0; trial < 200; trial++) {
      const docs = Array.from({ length: 2 + rng.nextInt(5) }, () =>
        Array.from({ length: 1 + rng.nextInt(6) }, () => vocab[rng.nextInt(vocab.length)]),
      );
      const tfidf = new TfIdf();
      for (const d of docs) tfidf.addDocument(d);
      const vec = (k: number) => vocab.map((t) => tfidf.tfidf(t, k));
      expect(tfidfCosine(docs[0], docs[1], docs)).toBeCloseTo(vectorCosine(vec(0), vec(1)), 12);
    }
  });

  it('is safe with tokens that are Object.prototype keys', () => {
    const v = textSimilarity('__proto__ constructor toString', '__proto__ hasOwnProperty');
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(0);
    expect(v).toBeLessThan(1);
  });
});

describe('tokenisation and stemming options', () => {
  it("'unicode' keeps non-ASCII letters and decimals; natural's 'word' splits them", () => {
    expect(createTokenize()('Zürich: 3.5 km')).toEqual(['zürich', '3.5', 'km']);
    expect(createTokenize({ tokenizer: 'word' })('Zürich: 3.5 km')).toEqual(['z', 'rich', '3', '5', 'km']);
    expect(createTokenize({ tokenizer: 'whitespace' })('a  b')).toEqual(['a', 'b']);
    expect(createTokenize({ tokenizer: 'treebank' })("don't")).toEqual(['do', "n't"]);
    expect(createTokenize({ tokenizer: (s) => s.split('|') })('a|b')).toEqual(['a', 'b']);
    expect(createTokenize({ caseInsensitive: false })('AbC')).toEqual(['AbC']);
  });

  it('stemmers make inflections equal', () => {
    expect(createTokenize({ stemmer: 'porter' })('running cats')).toEqual(['run', 'cat']);
    expect(createTokenize({ stemmer: 'lancaster' })('running')).toEqual(['run']);
    expect(textSimilarity('rising prices', 'prices rise', { stemmer: 'porter' })).toBeCloseTo(1, 12);
    expect(textSimilarity('rising prices', 'prices rise')).toBeLessThan(1);
  });

  it('a throwing custom tokenizer yields no tokens rather than an exception', () => {
    const tokenize = createTokenize({
      tokenizer: () => {
        throw new Error('bad');
      },
    });
    expect(tokenize('abc')).toEqual([]);
  });

  it('maxChars bounds the compared text', () => {
    const long = 'a'.repeat(5000);
    expect(textSimilarity(long, `${'a'.repeat(2000)}b`, { metric: 'jaro-winkler', maxChars: 2000 })).toBe(1);
  });

  it('every metric stays in [0, 1]', () => {
    for (const metric of ['jaro-winkler', 'dice', 'tfidf-cosine'] as const) {
      const v = tokenSimilarity(['a', 'b'], ['b', 'c'], metric);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});

describe('vectorCosine', () => {
  it('cosine clipped to [0, 1]; degenerate vectors give 0', () => {
    expect(vectorCosine([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 15);
    expect(vectorCosine([1, 0], [-1, 0])).toBe(0);
    expect(vectorCosine([0, 0], [1, 0])).toBe(0);
    expect(vectorCosine([1], [1, 2])).toBe(0);
    expect(vectorCosine([Number.NaN], [1])).toBe(0);
  });
});

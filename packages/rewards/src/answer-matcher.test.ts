import { createRng, normalizeAnswer } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { clusterAnswers, numericMatcher, semanticMatcher, stringMatcher, type AnswerMatcher } from './answer-matcher.js';

describe('stringMatcher — EvoLMM normalised equality (docs/method.md §3)', () => {
  it.each([
    ['-3', '3'],
    ['$5', '5'],
    ['3.', '3'],
    ['50%', '50'],
    ['1,000', '1000'],
    ['a, b', 'a b'],
    ['(B) text', 'b) text'],
    ['Yes.', 'yes'],
  ])('%j ≡ %j', (a, b) => {
    expect(stringMatcher(a, b)).toBe(true);
  });

  it('"3.0" and "3" differ; no numeric parsing', () => {
    expect(stringMatcher('3.0', '3')).toBe(false);
    expect(stringMatcher('0.5', '50%')).toBe(false);
  });
});

describe('clusterAnswers', () => {
  it('numbers classes in first-seen order', () => {
    const c = clusterAnswers(['b', 'a', 'B.', 'c', 'a']);
    expect(c.labels).toEqual([0, 1, 0, 2, 1]);
    expect(c.classes).toEqual([[0, 2], [1, 4], [3]]);
  });

  it('compares with the class representative (first member), greedily, for non-transitive matchers', () => {
    // |a − b| ≤ 1: 1~2, 2~3 but 1≁3. Visiting 1, 2, 3: 3 opens a class because the representative is 1.
    const within1: AnswerMatcher = (a, b) => Math.abs(Number(a) - Number(b)) <= 1;
    expect(clusterAnswers(['1', '2', '3'], within1).labels).toEqual([0, 0, 1]);
    expect(clusterAnswers(['2', '1', '3'], within1).labels).toEqual([0, 0, 0]);
  });

  it('the stringMatcher fast path equals the generic path on random answers', () => {
    const rng = createRng(7);
    const pool = ['3', '3.', ' 3', '-3', 'Three', 'three', '3.0', 'yes', 'Yes!', '', ' ', '(a)', 'A'];
    const generic: AnswerMatcher = (a, b) => normalizeAnswer(a) === normalizeAnswer(b);
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(rng.next() * 8);
      const answers = Array.from({ length: n }, () => pool[Math.floor(rng.next() * pool.length)]);
      expect(clusterAnswers(answers, stringMatcher)).toEqual(clusterAnswers(answers, generic));
    }
  });

  it('a matcher that throws counts as no match', () => {
    const throwing: AnswerMatcher = () => {
      throw new Error('boom');
    };
    expect(clusterAnswers(['a', 'a'], throwing).labels).toEqual([0, 1]);
  });
});

describe('numericMatcher', () => {
  it('matches numbers written differently, within tolerance, symmetrically', () => {
    const m = numericMatcher();
    expect(m('3', '3.0')).toBe(true);
    expect(m('1,000', '1000')).toBe(true);
    expect(m('50%', '0.5')).toBe(true);
    expect(m('0.5', '50%')).toBe(true);
    expect(m('3', '-3')).toBe(false); // the sign survives: matchers see raw answers
    expect(m('3', '3.1')).toBe(false);
    const loose = numericMatcher({ relTolerance: 0.05 });
    expect(loose('100', '105')).toBe(true);
    expect(loose('105', '100')).toBe(true);
    expect(loose('100', '106')).toBe(false);
  });

  it('falls back to string equality for non-numbers', () => {
    const m = numericMatcher();
    expect(m('Yes', 'yes.')).toBe(true);
    expect(m('Yes', '1')).toBe(false);
  });
});

describe('semanticMatcher', () => {
  it('matches similar wordings above the threshold', () => {
    const m = semanticMatcher({ metric: 'jaro-winkler', threshold: 0.9 });
    expect(m('United States', 'united states.')).toBe(true);
    expect(m('martha', 'marhta')).toBe(true); // JW 0.961
    expect(m('dog', 'cat')).toBe(false);
    const stems = semanticMatcher({ metric: 'tfidf-cosine', stemmer: 'porter', threshold: 0.99 });
    expect(stems('increasing', 'increase')).toBe(true);
    expect(semanticMatcher({ metric: 'tfidf-cosine', threshold: 0.99 })('increasing', 'increase')).toBe(false);
  });
});

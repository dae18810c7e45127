import { EvolmmError, normalizeAnswer } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { exactMatchReward } from './exact-match.js';
import { normalizeText } from './normalize-text.js';

describe('normalizeText — each option on its own', () => {
  const none = { caseInsensitive: false, whitespace: false, punctuation: false, articles: false, units: false };

  it('all off leaves the text untouched', () => {
    expect(normalizeText(' The  Cat, 5 cm! ', none)).toBe(' The  Cat, 5 cm! ');
  });

  it('case', () => {
    expect(normalizeText('The CAT', { ...none, caseInsensitive: true })).toBe('the cat');
  });

  it('whitespace', () => {
    expect(normalizeText('  a \t\n b  ', { ...none, whitespace: true })).toBe('a b');
  });

  it('punctuation: P and S replaced by spaces, decimal points and thousands kept as numbers', () => {
    const p = { ...none, punctuation: true, whitespace: true };
    expect(normalizeText('Hello, world!', p)).toBe('Hello world');
    expect(normalizeText('3.5', p)).toBe('3.5');
    expect(normalizeText('1,000,000', p)).toBe('1000000');
    expect(normalizeText('a-b', p)).toBe('a b');
    expect(normalizeText('«quoted»', p)).toBe('quoted');
  });

  it('articles', () => {
    const p = { ...none, articles: true, whitespace: true };
    expect(normalizeText('the cat and a dog, an owl', p)).toBe('cat and dog, owl');
    expect(normalizeText('There another theme', p)).toBe('There another theme');
    expect(normalizeText('The cat', p)).toBe('cat');
    // An answer that is only an article (an option letter) is kept.
    expect(normalizeText('A', p)).toBe('A');
    expect(normalizeText('(a)', { ...p, punctuation: true, caseInsensitive: true })).toBe('a');
  });

  it('units: default list and a custom list', () => {
    const p = { ...none, units: true, whitespace: true };
    expect(normalizeText('5 cm', p)).toBe('5');
    expect(normalizeText('$5', p)).toBe('5');
    expect(normalizeText('50%', p)).toBe('50');
    expect(normalizeText('12 minutes', p)).toBe('12');
    expect(normalizeText('5 minds', p)).toBe('5 minds');
    expect(normalizeText('5 widgets', { ...p, units: ['widgets'] })).toBe('5');
    expect(normalizeText('5 cm', { ...p, units: ['widgets'] })).toBe('5 cm');
  });

  it("mode 'evolmm' is core's normalizeAnswer", () => {
    for (const s of ['-3', '$5', '3.', '(B) text', 'Yes.', ' A,  b ', 'The cat']) {
      expect(normalizeText(s, { mode: 'evolmm' })).toBe(normalizeAnswer(s));
    }
  });
});

describe('exactMatchReward', () => {
  it('scores 0/1 against the reference with the defaults (case, whitespace, punctuation, articles)', async () => {
    const r = await exactMatchReward().score({
      completions: ['<answer>The Eiffel Tower.</answer>', '<answer>eiffel   tower</answer>', '<answer>Tower</answer>'],
      reference: 'Eiffel Tower',
    });
    expect(r.map((x) => x.value)).toEqual([1, 1, 0]);
    expect(r[0].components).toEqual({ match: 1 });
  });

  it('options change the verdict', async () => {
    const group = { completions: ['<answer>5 cm</answer>', '<answer>5</answer>'], reference: '5' };
    expect((await exactMatchReward().score(group)).map((x) => x.value)).toEqual([0, 1]);
    expect((await exactMatchReward({ units: true }).score(group)).map((x) => x.value)).toEqual([1, 1]);
    const cased = { completions: ['<answer>Paris</answer>'], reference: 'paris' };
    expect((await exactMatchReward({ caseInsensitive: false }).score(cased))[0].value).toBe(0);
    expect((await exactMatchReward({ mode: 'evolmm' }).score(cased))[0].value).toBe(1);
  });

  it('throws EvolmmError without a reference', () => {
    expect(() => exactMatchReward().score({ completions: ['x'] })).toThrow(EvolmmError);
  });
});

import { createRng } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { lastQuantity, parseNumber, parseQuantity } from './parse-number.js';

describe('parseNumber — accepted forms', () => {
  it.each([
    ['42', 42],
    ['  42  ', 42],
    ['+42', 42],
    ['-42', -42],
    ['\u221242', -42], // U+2212 minus sign
    ['3.25', 3.25],
    ['.5', 0.5],
    ['5.', 5],
    ['1,234', 1234],
    ['1,234,567.89', 1234567.89],
    ['1\u202f234\u202f567', 1234567], // narrow no-break space grouping
    ['$5', 5],
    ['-$5.50', -5.5],
    ['$-5.50', -5.5],
    ['€1,000', 1000],
    ['1.2e3', 1200],
    ['1.2E-3', 0.0012],
    ['1.2 × 10^3', 1200],
    ['1.2\\times10^{-3}', 0.0012],
    ['6.02*10^23', 6.02e23],
    ['3/4', 0.75],
    ['-3/4', -0.75],
    ['1 1/2', 1.5],
    ['\\frac{3}{4}', 0.75],
    ['\\dfrac{1}{8}', 0.125],
    ['\\frac12', 0.5],
    ['½', 0.5],
    ['1½', 1.5],
    ['50%', 0.5],
    ['50 %', 0.5],
    ['50 percent', 0.5],
    ['50\\%', 0.5],
    ['12.5% of total', 0.125], // unit text after the percent sign: "of total"
    ['$5$', 5],
    ['\\(7\\)', 7],
    ['12 km/h', 12],
    ['5 cm.', 5],
    ['90^\\circ', 90],
    ['90°', 90],
    ['3 apples', 3],
    ['４２', 42], // full-width digits (NFKC)
  ])('%j → %s', (text, expected) => {
    expect(parseNumber(text)).toBe(expected);
  });
});

describe('parseNumber — rejected forms', () => {
  it.each([
    '',
    '   ',
    'three',
    'Yes',
    '5 and 6',
    '2016 2017',
    '1,5', // European decimal or a list: not guessed
    '1,2345',
    '1/0',
    '0/0',
    '1e400',
    '--5',
    '-$-5',
    'the answer is 5',
    '[2014, 2016]',
    'NaN',
    'Infinity',
    '0x10',
    '1.2.3',
    '0b101',
    '2x3',
  ])('%j → undefined', (text) => {
    expect(parseNumber(text)).toBeUndefined();
  });

  it('rejects huge inputs without scanning them', () => {
    expect(parseNumber('1'.repeat(2_000_000))).toBeUndefined();
  });
});

describe('parseQuantity', () => {
  it('keeps the value as written, the percent flag and the unit', () => {
    expect(parseQuantity('50%')).toEqual({ value: 50, percent: true });
    expect(parseQuantity('12 KM/h')).toEqual({ value: 12, percent: false, unit: 'km/h' });
    expect(parseQuantity('$3')).toEqual({ value: 3, percent: false, unit: '$' });
    expect(parseQuantity('7')).toEqual({ value: 7, percent: false });
  });
});

describe('round trips of formatted numbers (a second code path: Intl and Number formatting)', () => {
  it('parses what JS formats', () => {
    const rng = createRng(11);
    const en = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });
    for (let i = 0; i < 2000; i++) {
      const magnitude = 10 ** Math.floor(rng.next() * 12 - 4);
      const x = (rng.next() - 0.5) * 2 * magnitude;
      const grouped = en.format(x); // "1,234.567" (ASCII hyphen-minus for negatives)
      expect(parseNumber(grouped)).toBeCloseTo(Number(grouped.replaceAll(',', '')), 12);
      const sci = x.toExponential(8);
      expect(parseNumber(sci)).toBe(Number(sci));
      const plain = String(x);
      expect(parseNumber(plain)).toBe(x);
      const pct = `${x}%`;
      expect(parseNumber(pct)).toBeCloseTo(x / 100, 15);
    }
  });
});

describe('lastQuantity', () => {
  it('finds the last number written in free text', () => {
    expect(lastQuantity('There are 3 cats and 1,204 dogs.')).toEqual({ value: 1204, percent: false });
    expect(lastQuantity('It rose by 12.5% in 2020, then 7 %')).toEqual({ value: 7, percent: true });
    expect(lastQuantity('no numbers here')).toBeUndefined();
    expect(lastQuantity('')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { pyFloatRepr, pyFormatFixed, pyIntOfFloat, pyIntOfString, pyRound } from './python-number.js';

// Expected values are what CPython 3.11 prints for the same expressions.
describe('Python number emulation', () => {
  it('round(x, n) is half-even on the exact binary value', () => {
    expect(pyRound(0.125, 2)).toBe(0.12); // exact tie → even (JS toFixed gives 0.13)
    expect(pyRound(0.375, 2)).toBe(0.38);
    expect(pyRound(2.675, 2)).toBe(2.67); // binary value is below the tie
    expect(pyRound(2.5454545, 2)).toBe(2.55);
    expect(Object.is(pyRound(-0.04, 1), -0)).toBe(true);
    expect(pyRound(28.125, 2)).toBe(28.12);
    expect(pyRound(1e300, 2)).toBe(1e300);
    expect(pyRound(Number.POSITIVE_INFINITY, 1)).toBe(Number.POSITIVE_INFINITY);
  });
  it('repr keeps .0, writes -0.0, switches to exponents at 1e16 and 1e-4', () => {
    expect(pyFloatRepr(0)).toBe('0.0');
    expect(pyFloatRepr(-0)).toBe('-0.0');
    expect(pyFloatRepr(34.8)).toBe('34.8');
    expect(pyFloatRepr(100)).toBe('100.0');
    expect(pyFloatRepr(1e16)).toBe('1e+16');
    expect(pyFloatRepr(1.5e16)).toBe('1.5e+16');
    expect(pyFloatRepr(9999999999999998)).toBe('9999999999999998.0');
    expect(pyFloatRepr(0.0001)).toBe('0.0001');
    expect(pyFloatRepr(0.00001)).toBe('1e-05');
    expect(pyFloatRepr(1.234e-7)).toBe('1.234e-07');
    expect(pyFloatRepr(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(pyFloatRepr(Number.NaN)).toBe('nan');
    expect(pyFloatRepr(Number.NEGATIVE_INFINITY)).toBe('-inf');
  });
  it('"{:.2f}" pads and rounds half-even', () => {
    expect(pyFormatFixed(25.7, 2)).toBe('25.70');
    expect(pyFormatFixed(0.125, 2)).toBe('0.12');
    expect(pyFormatFixed(100, 2)).toBe('100.00');
    expect(pyFormatFixed(0.005, 2)).toBe('0.01'); // 0.005 is slightly above the tie in binary
    expect(pyFormatFixed(-0.001, 2)).toBe('-0.00');
  });
  it('int(str) and int(float)', () => {
    expect(pyIntOfString(' 42 ')).toBe('42');
    expect(pyIntOfString('-0')).toBe('0');
    expect(pyIntOfString('007')).toBe('7');
    expect(pyIntOfString('1_000')).toBe('1000');
    expect(pyIntOfString('١٢')).toBe('12');
    expect(pyIntOfString('\u300012\xa0')).toBe('12'); // Unicode spaces become ' ' and are stripped
    expect(pyIntOfString('\x1c12')).toBeUndefined(); // int() strips only ASCII C-locale whitespace
    expect(pyIntOfString('3.4')).toBeUndefined();
    expect(pyIntOfString('')).toBeUndefined();
    expect(pyIntOfString('1__0')).toBeUndefined();
    expect(pyIntOfString('9'.repeat(4301))).toBeUndefined();
    expect(pyIntOfFloat(3.7)).toBe('3');
    expect(pyIntOfFloat(-0.5)).toBe('0');
    expect(pyIntOfFloat(1e20)).toBe('100000000000000000000');
    expect(pyIntOfFloat(Number.NaN)).toBeUndefined();
  });
});

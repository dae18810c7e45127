import { describe, expect, it } from 'vitest';
import { extractMathVisionAnswer, findMathAnswer } from './find-math-answer.js';
import { mathVisionIsEqual } from './is-equal.js';
import { isMathVisionCorrect, mathVisionRatio, mathVisionResultFile } from './score.js';

// Hand-derived from the rules of docs/benchmarks.md §3.3.
describe('extractMathVisionAnswer (official steps 1–5)', () => {
  it.each([
    ['So the answer is B.', 'b'], // step 1: ends with " B." → whole text becomes "B", lowercased later
    ['(C)\nbecause ...', 'c'],
    ['D\nthe rest', 'd'],
    ['The width is 12.', '12'], // step 2: number after the last "is "
    ['Thus the answer is 7 cm\nmore text', '7cm'], // step 3: cut at newline; spaces removed; only "km"/"m^3" units are deleted
    ['We get the final answer is 3. Then', '3'], // cut at first ". " (then step 2 does not apply: "3. Then")
    ['\\boxed{\\frac{1}{2}}', '\\frac{1}{2}'],
    ['first \\boxed{1} then \\boxed{2}', '2'], // several boxes: the last one
    ['x = 5', '5'], // after the last "="
    ['\\boxed{45^\\circ}', '45'], // degrees deleted
    ['The answer is 0.5', '\\frac{1}{2}'], // exact "0.5" → \frac{1}{2}
    ['\\boxed{3/4}', '\\frac{3}{4}'], // a/b → \frac{a}{b}
    ['\\boxed{\\sqrt3}', '\\sqrt{3}'], // _fix_sqrt
    ['\\boxed{\\dfrac12 + \\sqrt2}', '\\frac{1}{2}+\\sqrt{2}'], // _fix_fracs runs because "sqrt" occurs
    ['\\boxed{\\frac12}', '\\frac12'], // ... and not otherwise
    ['  ', ''],
  ])('%j → %j', (response, expected) => {
    expect(extractMathVisionAnswer(response)).toBe(expected);
  });

  it('findMathAnswer keeps what is inside the greedy oxed{...}', () => {
    expect(findMathAnswer('\\boxed{a} and {b}')).toBe('a');
    expect(findMathAnswer('x}y{z')).toBe('x');
  });
});

describe('mathVisionIsEqual and correctness', () => {
  it('rounds to 2 dp (the documented quirks)', () => {
    expect(mathVisionIsEqual('\\frac{1}{300}', '\\frac{1}{900}')).toBe(true);
    expect(mathVisionIsEqual('5-2-3-1-4', '5-2-3-4-1')).toBe(true);
    expect(mathVisionIsEqual('1', '1:1')).toBe(true);
    expect(mathVisionIsEqual('\\frac{1}{3}', '0.34')).toBe(false);
    expect(mathVisionIsEqual('\\frac{1}{3}', '0.33')).toBe(true);
    expect(mathVisionIsEqual('', '')).toBe(false); // blank never matches
    expect(mathVisionIsEqual('(1,2)', '(1,2.0)')).toBe(false); // eval_tuple keeps int vs float reprs
    expect(mathVisionIsEqual('(1,2)', '(\\frac{2}{2},2)')).toBe(true);
  });
  it('a letter matches the gold letter, an option text needs the numeric path', () => {
    const problem = { answer: 'B', options: ['$1$', '$\\frac{1}{2}$', '$3$', '$4$', '$5$'] };
    expect(isMathVisionCorrect(problem, 'b')).toBe(true);
    expect(isMathVisionCorrect(problem, '\\frac{1}{2}')).toBe(true);
    expect(isMathVisionCorrect(problem, '0.5')).toBe(true);
    expect(isMathVisionCorrect(problem, 'c')).toBe(false);
  });
});

describe('result-file strings (Python round/str)', () => {
  it.each([
    [537, 3040, '537/3040=17.66%'],
    [8, 43, '8/43=18.6%'],
    [3, 5, '3/5=60.0%'],
    [0, 7, '0/7=0.0%'],
    [9, 32, '9/32=28.12%'], // 28.125 → 28.12 (half-even on the binary value)
  ])('%i/%i', (c, t, s) => expect(mathVisionRatio(c, t)).toBe(s));
  it('has -all, -levelL, subject, subject_levelL and -levelL_subject, sorted', () => {
    const out = mathVisionResultFile([
      { level: 2, subject: 'algebra', correct: true },
      { level: 1, subject: 'algebra', correct: false },
    ]);
    expect(out).toEqual({
      '-all': '1/2=50.0%',
      '-level1': '0/1=0.0%',
      '-level1_algebra': '0/1=0.0%',
      '-level2': '1/1=100.0%',
      '-level2_algebra': '1/1=100.0%',
      algebra: '1/2=50.0%',
      algebra_level1: '0/1=0.0%',
      algebra_level2: '1/1=100.0%',
    });
    expect(Object.keys(out)[0]).toBe('-all');
  });
});

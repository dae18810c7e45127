import { describe, expect, it } from 'vitest';
import { answerNumber, extractFinalAnswer, matchAnswer } from './answer-match.js';

const num = (answer: string) => ({ answer, answerType: 'number' as const });
const label = (answer: string, aliases: string[] = []) => ({ answer, answerType: 'label' as const, aliases });

describe('extractFinalAnswer', () => {
  it('prefers the <answer> tag, then \\boxed, then "answer is", then the last line', () => {
    expect(extractFinalAnswer('I think 3.\n<answer> 7 </answer> trailing 9')).toBe('7');
    expect(extractFinalAnswer('so \\boxed{2} or \\boxed{12}')).toBe('12');
    expect(extractFinalAnswer('Bars: 3 and 4. The answer is 7.\nDone')).toBe('7.');
    expect(extractFinalAnswer('Answer: B')).toBe('B');
    expect(extractFinalAnswer('first\n\n  last line  \n')).toBe('last line');
    expect(extractFinalAnswer('   ')).toBe('');
  });
});

describe('matchAnswer', () => {
  it('compares numbers numerically with a tiny tolerance', () => {
    for (const out of ['42', '<answer>42</answer>', '42.0', '42.', ' 42 \n', 'The value is 42', '42%', '+42', '4.2e1', 'answer: 42 units']) {
      expect(matchAnswer(out, num('42')), out).toEqual({ correct: true, prediction: '42' });
    }
    expect(matchAnswer('42.0000001', num('42')).correct).toBe(true);
    expect(matchAnswer('42.001', num('42')).correct).toBe(false);
    expect(matchAnswer('41', num('42'))).toEqual({ correct: false, prediction: '41' });
    expect(matchAnswer('-5', num('5')).correct).toBe(false);
    expect(matchAnswer('1,200', num('1200')).correct).toBe(true);
    expect(matchAnswer('<answer>B</answer>', num('3'))).toEqual({ correct: false, prediction: 'b' });
    expect(matchAnswer('', num('3'))).toEqual({ correct: false, prediction: null });
  });

  it('compares labels as normalised text, accepting aliases and a trailing label word', () => {
    expect(matchAnswer('<answer>c</answer>', label('C'))).toEqual({ correct: true, prediction: 'c' });
    expect(matchAnswer('C.', label('C')).correct).toBe(true);
    expect(matchAnswer('bar C', label('C'))).toEqual({ correct: true, prediction: 'c' });
    expect(matchAnswer('March', label('MAR', ['MARCH']))).toEqual({ correct: true, prediction: 'march' });
    expect(matchAnswer('mar', label('MAR', ['MARCH'])).correct).toBe(true);
    expect(matchAnswer('B', label('C')).correct).toBe(false);
    expect(matchAnswer('C or D', label('C')).correct).toBe(false);
  });

  it('never throws on arbitrary output', () => {
    const weird = ['\u0000', '<answer>', '</answer><answer>', '\\boxed{', '💥'.repeat(1000), 'x'.repeat(200_000) + '7', '1e999', 'NaN', '-'];
    for (const w of weird) {
      expect(() => matchAnswer(w, num('7'))).not.toThrow();
      expect(() => matchAnswer(w, label('A'))).not.toThrow();
    }
    expect(matchAnswer('1e999', num('7')).correct).toBe(false);
    expect(answerNumber('no digits')).toBeUndefined();
  });
});

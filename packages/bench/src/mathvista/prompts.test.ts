import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mathVistaPromptText } from './prompts.js';
import type { MathVistaProblem } from './types.js';

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/benchdata/mathvista/data');
const testmini = JSON.parse(fs.readFileSync(path.join(DATA, 'testmini.json'), 'utf8')) as Record<string, MathVistaProblem>;
const query = JSON.parse(fs.readFileSync(path.join(DATA, 'query.json'), 'utf8')) as Record<string, string>;

describe('MathVista prompts', () => {
  it('the hint/question/choices lines rebuild the official query.json for all 1000 testmini problems', () => {
    // An independent source for the hint strings: query.json holds them verbatim (hint first).
    const mismatched = Object.values(testmini).filter((p) => mathVistaPromptText({ ...p, query: undefined }, 'query') !== query[p.pid]);
    expect(mismatched.map((p) => p.pid)).toEqual([]);
  });
  it('solution/cot put the hint after the question, solution ends with "Solution: "', () => {
    const p = testmini['5'];
    expect(mathVistaPromptText(p, 'solution')).toBe(
      'Question: Find $m\\angle H$\nChoices:\n(A) 97\n(B) 102\n(C) 107\n(D) 122\n' +
        'Hint: Please answer the question and provide the correct option letter, e.g., A, B, C, D, at the end.\nSolution: ',
    );
    expect(mathVistaPromptText(p, 'cot')).toBe(mathVistaPromptText(p, 'solution').slice(0, -'\nSolution: '.length));
  });
  it('format uses "A. x" lines and the direct-answer instruction', () => {
    expect(mathVistaPromptText(testmini['5'], 'format')).toBe(
      "Find $m\\angle H$\nA. 97\nB. 102\nC. 107\nD. 122\nAnswer with the option's letter from the given choices directly.",
    );
    expect(mathVistaPromptText(testmini['2'], 'format')).toBe(
      'what is the total volume of the measuring cup? (Unit: g)\nAnswer the question using a single integer number.',
    );
  });
});

/**
 * Scorers never throw on arbitrary model output and never evaluate it as code (issue 7 "Done when").
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRng, type Rng } from '@evolmm/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { chartqa, chartqaCorrect } from './chartqa/benchmark.js';
import type { ChartQAItem } from './chartqa/types.js';
import { lmmsEvalCleanup } from './common/output-cleanup.js';
import { mathvision } from './mathvision/benchmark.js';
import { extractMathVisionAnswer } from './mathvision/find-math-answer.js';
import { mathVisionIsEqual } from './mathvision/is-equal.js';
import { latexValue } from './mathvision/latex-value.js';
import type { MathVisionItem } from './mathvision/loader.js';
import { mathvista } from './mathvista/benchmark.js';
import { officialCheapExtraction, ruleBasedMathVistaExtraction } from './mathvista/extract.js';
import type { MathVistaItem } from './mathvista/loader.js';
import { normalizeMathVistaAnswer } from './mathvista/normalize.js';

const PIECES = [
  '\\boxed{', '}', '{', '\\frac', '\\sqrt', '\\pi', '^\\circ', '=', ':', '/', '.', ',', '(', ')', '[', ']', '$', '\\', '%', '-', '+',
  'the answer is ', 'The final answer is ', 'Answer:', 'is ', '<answer>', '</answer>', 'oxed{', '(A)', ' B.', 'C\n', 'e', 'i', 'x',
  '\n', ' ', '\t', '\u3000', '\u00a0', '\u2028', '\ufeff', '١٢', '🙂', '\ud800', 'inf', 'nan', '1_0', '0x1F', '1e309', '-0', '3.7', '42',
  '\\infty', '∞', '\\left(', '\\right)', 'km', 'units', '{}', '\\text{ m}', '\\!', 'dfrac', '0.5', 'process.exit()', '${1+1}',
];

function randomString(rng: Rng): string {
  const mode = rng.nextInt(4);
  const len = rng.nextInt(40);
  let s = '';
  for (let i = 0; i < len; i++) {
    if (mode === 0) s += PIECES[rng.nextInt(PIECES.length)];
    else if (mode === 1) s += String.fromCharCode(rng.nextInt(0x10000)); // any UTF-16 unit, lone surrogates included
    else if (mode === 2) s += String.fromCodePoint(rng.nextInt(0x110000));
    else s += String.fromCharCode(32 + rng.nextInt(95));
  }
  return s;
}

const MEGA = 1 << 20;
const HUGE_INPUTS = [
  'x'.repeat(MEGA),
  'a' + ' '.repeat(MEGA) + 'b', // long inner whitespace run (quadratic for backtracking strip regexes)
  '\\boxed{'.repeat(MEGA / 7),
  '9'.repeat(MEGA),
  'the answer is '.repeat(MEGA / 14),
  'The answer is "'.repeat(MEGA / 15),
  '%'.repeat(MEGA) + '1',
  '(' + '1,'.repeat(MEGA / 2) + '1)',
  '{'.repeat(MEGA / 2) + '}'.repeat(MEGA / 2),
  '<answer>' + '\n'.repeat(MEGA),
];

const chartItem: ChartQAItem = { id: '0', type: 'human_test', question: 'q', answer: '14', image: 'x.png' };
const vistaItems = [
  { pid: '1', choices: ['97', '102', '107', '122'], question_type: 'multi_choice', answer_type: 'text', precision: null, answer: '97' },
  { pid: '2', choices: null, question_type: 'free_form', answer_type: 'integer', precision: null, answer: '12' },
  { pid: '3', choices: null, question_type: 'free_form', answer_type: 'float', precision: 2, answer: '1.45' },
  { pid: '4', choices: null, question_type: 'free_form', answer_type: 'list', precision: null, answer: '[1, 2]' },
].map((p) => ({ ...p, question: 'q', unit: null, metadata: { skills: ['arithmetic reasoning'] }, image: 'x.jpg' }) as unknown as MathVistaItem);
const visionItems = [
  { id: '1', options: [], answer: '\\frac{1}{3}', level: 2, subject: 'algebra' },
  { id: '2', options: ['$1$', '$\\frac{1}{2}$', '$3$', '$4 \\pi$', '$5$'], answer: 'B', level: 3, subject: 'counting' },
].map((p) => ({ ...p, question: 'q', image: 'x.jpg' }) as unknown as MathVisionItem);

const benches = { chartqa: chartqa(), mathvista: mathvista(), mathvision: mathvision() };

function checkAll(s: string): void {
  expect(typeof chartqaCorrect(s, chartItem.answer)).toBe('boolean');
  expect(typeof chartqaCorrect(s, s)).toBe('boolean');
  expect(typeof lmmsEvalCleanup(s)).toBe('string');
  const c = benches.chartqa.score(chartItem, s);
  expect(typeof c.correct).toBe('boolean');
  for (const item of vistaItems) {
    const n = normalizeMathVistaAnswer(s, item);
    expect(n === null || typeof n === 'string').toBe(true);
    const e = ruleBasedMathVistaExtraction(s, item);
    expect(typeof e).toBe('string');
    const cheap = officialCheapExtraction(s, item, true);
    expect(cheap === undefined || typeof cheap === 'string').toBe(true);
    expect(typeof benches.mathvista.score(item, s).correct).toBe('boolean');
  }
  const m = extractMathVisionAnswer(s);
  expect(typeof m).toBe('string');
  expect(typeof mathVisionIsEqual(s, m)).toBe('boolean');
  for (const item of visionItems) expect(typeof benches.mathvision.score(item, s).correct).toBe('boolean');
  const v = latexValue(s);
  expect(v === undefined || Number.isFinite(v)).toBe(true);
}

describe('fuzz: scorers and extractors never throw', () => {
  it("3000 random, unicode and empty strings", () => {
    const rng = createRng(7);
    checkAll('');
    for (let i = 0; i < 3000; i++) checkAll(randomString(rng));
  });

  it.each(HUGE_INPUTS.map((s, i) => [i, s] as const))('megabyte input #%i', (_, s) => {
    checkAll(s);
  }, 120_000);

  it('summaries of fuzzed scores hold finite numbers', () => {
    const rng = createRng(11);
    const scores = Array.from({ length: 200 }, () => benches.mathvision.score(visionItems[rng.nextInt(2)], randomString(rng)));
    const summary = benches.mathvision.summarize(scores);
    for (const group of Object.values(summary.breakdowns)) for (const e of Object.values(group)) expect(Number.isFinite(e.accuracy)).toBe(true);
    expect(Number.isFinite(summary.accuracy)).toBe(true);
  });
});

describe('model output is never executed', () => {
  const marker = path.join(os.tmpdir(), `evolmm-bench-pwned-${process.pid}`);
  afterAll(() => fs.rmSync(marker, { force: true }));

  it('code-like outputs are treated as text', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => {
      throw new Error('process.exit was called');
    }) as never);
    const g = globalThis as Record<string, unknown>;
    const payloads = [
      'process.exit()',
      'process.exit(1)',
      '${process.exit(1)}',
      '`${globalThis.__evolmmPwned = 1}`',
      'globalThis.__evolmmPwned = 1',
      `require('fs').writeFileSync('${marker}', 'x')`,
      `\\boxed{require('fs').writeFileSync('${marker}', 'x')}`,
      "__import__('os').system('touch " + marker + "')",
      'eval("process.exit(1)")',
      'Function("globalThis.__evolmmPwned = 1")()',
      'The answer is \\boxed{(() => process.exit(1))()}',
      '<answer>${globalThis.__evolmmPwned=1}</answer>',
      'constructor.constructor("process.exit(1)")()',
    ];
    for (const p of payloads) {
      checkAll(p);
      expect(benches.mathvision.score(visionItems[0], p).correct).toBe(false);
      expect(benches.chartqa.score(chartItem, p).correct).toBe(false);
    }
    expect(exit).not.toHaveBeenCalled();
    expect(g.__evolmmPwned).toBeUndefined();
    expect(fs.existsSync(marker)).toBe(false);
    exit.mockRestore();
  });
});

/**
 * Scoring one MATH-V item and building the published `<Model>_result.json` (docs/benchmarks.md §3.3).
 */
import { pyFloatRepr, pyRound } from '../common/python-number.js';
import { extractMathVisionAnswer } from './find-math-answer.js';
import { mathVisionIsEqual } from './is-equal.js';
import type { MathVisionProblem } from './types.js';

/** `gt_value`: the text of the gold option for multi-choice items, else "". */
export function mathVisionGoldValue(problem: Pick<MathVisionProblem, 'answer' | 'options'>): string {
  const options = problem.options ?? [];
  if (options.length === 0) return '';
  const gt = String(problem.answer);
  const index = gt.length > 0 ? gt.codePointAt(0)! - 65 : -1;
  // Python options[ord(gt) - ord('A')]: a negative index counts from the end; out of range raises (→ no value).
  const value = index < 0 ? options[options.length + index] : options[index];
  return typeof value === 'string' ? value : '';
}

/** Whether an extracted `model_answer` is correct: `is_equal(gt, ans) or is_equal(gt_value, ans)`. */
export function isMathVisionCorrect(problem: Pick<MathVisionProblem, 'answer' | 'options'>, modelAnswer: string): boolean {
  return mathVisionIsEqual(String(problem.answer), modelAnswer) || mathVisionIsEqual(mathVisionGoldValue(problem), modelAnswer);
}

export interface MathVisionItemResult {
  readonly model_answer: string;
  readonly correct: boolean;
}

/** Extraction + comparison for one response. Pure; never throws. */
export function scoreMathVisionResponse(problem: Pick<MathVisionProblem, 'answer' | 'options'>, response: string): MathVisionItemResult {
  const model_answer = extractMathVisionAnswer(response);
  return { model_answer, correct: isMathVisionCorrect(problem, model_answer) };
}

/** `f"{c}/{t}={round(c/t*100, 2)}%"` with Python round/str. */
export function mathVisionRatio(correct: number, total: number): string {
  const acc = total === 0 ? 'nan' : pyFloatRepr(pyRound((correct / total) * 100, 2));
  return `${correct}/${total}=${acc}%`;
}

/** The published result-file object: keys `-all`, `-level{L}`, `{subject}`, `{subject}_level{L}`, `-level{L}_{subject}`, sorted. */
export function mathVisionResultFile(
  records: readonly { readonly level: number | string; readonly subject: string; readonly correct: boolean }[],
): Record<string, string> {
  const counts = new Map<string, { c: number; t: number }>();
  const add = (key: string, ok: boolean) => {
    let e = counts.get(key);
    if (!e) counts.set(key, (e = { c: 0, t: 0 }));
    e.t++;
    if (ok) e.c++;
  };
  for (const r of records) {
    add('-all', r.correct);
    add(`-level${r.level}`, r.correct);
    add(r.subject, r.correct);
    add(`${r.subject}_level${r.level}`, r.correct);
    add(`-level${r.level}_${r.subject}`, r.correct);
  }
  // Python sorted() on str keys compares code points; compare the same way (not localeCompare).
  const keys = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = mathVisionRatio(counts.get(k)!.c, counts.get(k)!.t);
  return out;
}

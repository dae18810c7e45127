/**
 * MathVista's `normalize_extracted_answer` (evaluation/calculate_score.py; docs/benchmarks.md §3.2, table
 * "Normalisation"), ported with Python semantics. Pure, never throws: where Python raises, the result is null.
 */
import { pyStrip } from '../common/py-strip.js';
import { pyFloat } from '../common/py-float.js';
import { codePointLevenshtein } from '../common/levenshtein.js';
import { pyFloatRepr, pyIntOfFloat, pyIntOfString, pyRound } from '../common/python-number.js';
import type { IntRule, MathVistaProblem } from './types.js';

export type NormalizeProblem = Pick<MathVistaProblem, 'choices' | 'question_type' | 'answer_type' | 'precision'>;

export interface NormalizeOptions {
  /** Integer rule, default `'current'` (see {@link IntRule}). */
  readonly intRule?: IntRule;
}

const LETTER_IN_PARENS = /\(([a-zA-Z])\)/;

/** Python `str(x)` of a JSON value the way the published files hold extractions (always strings there). */
function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 1e16 ? String(value) : pyFloatRepr(value);
  return JSON.stringify(value) ?? '';
}

/** `get_most_similar`: the choice with the minimum Levenshtein distance, ties → the first. */
export function mostSimilarChoice(text: string, choices: readonly string[]): string {
  let best = choices[0];
  let bestDistance = Infinity;
  for (const choice of choices) {
    const d = codePointLevenshtein(text, String(choice));
    if (d < bestDistance) {
      bestDistance = d;
      best = choice;
    }
  }
  return best;
}

/**
 * Normalises an extracted answer to the problem's answer type; returns what the official script compares with the
 * gold answer (string equality), or null where the official script yields None.
 */
export function normalizeMathVistaAnswer(
  extraction: unknown,
  problem: NormalizeProblem,
  options: NormalizeOptions = {},
): string | null {
  const intRule = options.intRule ?? 'current';
  if (problem.question_type === 'multi_choice') {
    const choices = problem.choices ?? [];
    if (choices.length === 0) return null; // Python would raise on choices[0]; no gold can match
    let text = typeof extraction === 'string' ? pyStrip(extraction) : pyStr(extraction);
    // extract "A" from "(A) text": the FIRST parenthesised letter, uppercased.
    const letter = LETTER_IN_PARENS.exec(text);
    if (letter) text = letter[1].toUpperCase();
    // A letter among the first len(choices) letters indexes the choices; anything else → most similar choice.
    if (text.length === 1) {
      const index = text.charCodeAt(0) - 65;
      if (index >= 0 && index < choices.length) return choices[index];
    }
    return mostSimilarChoice(text, choices);
  }
  if (problem.answer_type === 'integer') {
    if (intRule === 'legacy') {
      // older rule: str(int(x)) on the raw value; a JSON number goes through int(float) semantics.
      if (typeof extraction === 'number') return pyIntOfFloat(extraction) ?? null;
      return typeof extraction === 'string' ? (pyIntOfString(extraction) ?? null) : null;
    }
    const value = typeof extraction === 'number' ? extraction : typeof extraction === 'string' ? pyFloat(extraction) : undefined;
    return value === undefined ? null : (pyIntOfFloat(value) ?? null);
  }
  if (problem.answer_type === 'float') {
    const value = typeof extraction === 'number' ? extraction : typeof extraction === 'string' ? pyFloat(extraction) : undefined;
    const precision = problem.precision;
    // int(precision): None → TypeError → None.
    if (value === undefined || precision === null || precision === undefined || !Number.isFinite(precision)) return null;
    const digits = Math.trunc(precision);
    if (digits < 0 || digits > 300) return null; // negative ndigits never occur in MathVista; keep it total
    return pyFloatRepr(pyRound(value, digits));
  }
  if (problem.answer_type === 'list') return pyStr(extraction);
  return null; // 'text' free-form: no branch in the official script → None
}

/** `safe_equal`: Python string equality; None never equals. */
export function mathVistaEqual(prediction: string | null, answer: string | null | undefined): boolean {
  return prediction !== null && answer !== null && answer !== undefined && prediction === answer;
}

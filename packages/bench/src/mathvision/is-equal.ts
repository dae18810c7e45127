/**
 * MATH-V `is_equal` (official utils.py; docs/benchmarks.md §3.3): lowercase; blank → False; equal after strip →
 * True; `eval_tuple` on both and equal → True; else both values rounded to 2 dp (Python `round`) must be equal.
 * Every failure of the official path (an exception in Python) is False here. Never throws.
 */
import { pyStrip } from '../common/py-strip.js';
import { pyFloatRepr, pyRound } from '../common/python-number.js';
import { latexValue } from './latex-value.js';

const OPTION_LETTERS = new Set(['a', 'b', 'c', 'd', 'e']);

/** Python `str(round(v, 2))` of what `eval(str(latex2sympy(x)))` gives: an int for exact integers, else a float. */
function roundedRepr(element: string, value: number): string {
  if (Number.isInteger(value) && !element.includes('.') && Math.abs(value) < 1e21) return BigInt(value).toString();
  return pyFloatRepr(pyRound(value, 2));
}

/** `eval_tuple`: `(x,y,…)` / `[x,y,…]` with more than one element → each element evaluated and rounded to 2 dp. */
export function evalTuple(s: string): string {
  if (s.length === 0) return s;
  const open = s[0];
  const close = s[s.length - 1];
  const isTuple = (open === '(' && close === ')') || (open === '[' && close === ']');
  if (!isTuple) return s;
  const elements = s.slice(1, -1).split(',');
  if (elements.length <= 1) return s;
  const out: string[] = [];
  for (const element of elements) {
    if (element.includes('infty') || OPTION_LETTERS.has(element)) {
      out.push(element);
      continue;
    }
    const value = latexValue(element);
    if (value === undefined) return s; // the official try/except returns the input unchanged
    out.push(roundedRepr(element, value));
  }
  return `${open}${out.join(',')}${close}`;
}

export function mathVisionIsEqual(gold: string, answer: string): boolean {
  const a = String(answer ?? '').toLowerCase();
  const g = String(gold ?? '').toLowerCase();
  if (a.replaceAll(' ', '') === '' || g.replaceAll(' ', '') === '') return false;
  if (pyStrip(g) === pyStrip(a)) return true;
  // evalTuple keeps the number of commas, and no value has a comma, so an answer with commas can only match
  // through tuple equality, which needs the same comma count: skip evaluating long comma lists that cannot match.
  if (a.includes(',') && a.split(',').length !== g.split(',').length) return false;
  const ta = evalTuple(a);
  const tg = evalTuple(g);
  if (tg === ta) return true;
  // The answer side first: it is usually a letter or plain text, rejected without touching the LaTeX engine.
  const va = latexValue(ta);
  if (va === undefined) return false;
  const vg = latexValue(tg);
  if (vg === undefined) return false;
  return pyRound(vg, 2) === pyRound(va, 2);
}

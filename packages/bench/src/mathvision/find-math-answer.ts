/**
 * MATH-V answer extraction (official evaluation/evaluate.py + utils.py `find_math_answer` / `_strip_string`),
 * step by step as docs/benchmarks.md §3.3 lists it. Pure string work: nothing is evaluated, nothing throws.
 */
import { pyStrip } from '../common/py-strip.js';
import { pyFloat } from '../common/py-float.js';

const FLAGS = ['the final answer is', 'the answer is', 'the correct answer is', 'the answer should be'];

/** Python `s.split(sep)[-1]`. */
function afterLast(s: string, sep: string): string {
  const i = s.lastIndexOf(sep);
  return i < 0 ? s : s.slice(i + sep.length);
}

/** Python `s.rstrip(chars)` / `s.lstrip(chars)` for a one-character set. */
function rstripChar(s: string, ch: string): string {
  let end = s.length;
  while (end > 0 && s[end - 1] === ch) end--;
  return s.slice(0, end);
}
function lstripChar(s: string, ch: string): string {
  let start = 0;
  while (start < s.length && s[start] === ch) start++;
  return s.slice(start);
}

/** `_fix_sqrt`: `\sqrt3` → `\sqrt{3}` (the first character after `\sqrt` is braced). */
function fixSqrt(s: string): string {
  if (!s.includes('\\sqrt')) return s;
  const parts = s.split('\\sqrt');
  let out = parts[0];
  for (const part of parts.slice(1)) {
    // An empty piece raises IndexError in Python; keep it verbatim instead of failing.
    if (part.length === 0 || part[0] === '{') out += '\\sqrt' + part;
    else out += '\\sqrt{' + part[0] + '}' + part.slice(1);
  }
  return out;
}

/** `_fix_fracs`: `\frac12` → `\frac{1}{2}`, `\frac1{72}` → `\frac{1}{72}`; a too-short piece returns the input. */
function fixFracs(s: string): string {
  const parts = s.split('\\frac');
  let out = parts[0];
  for (const part of parts.slice(1)) {
    out += '\\frac';
    if (part.length > 0 && part[0] === '{') {
      out += part;
      continue;
    }
    if (part.length < 2) return s;
    const a = part[0];
    const b = part[1];
    out += b !== '{' ? `{${a}}{${b}}${part.slice(2)}` : `{${a}}${b}${part.slice(2)}`;
  }
  return out;
}

/** `_fix_a_slash_b`: exactly `int/int` in canonical form (`str(int(a))`) becomes `\frac{a}{b}`. */
const A_SLASH_B = /^(-?[1-9][0-9]*|0)\/(-?[1-9][0-9]*|0)$/;
function fixASlashB(s: string): string {
  const m = A_SLASH_B.exec(s);
  return m ? `\\frac{${m[1]}}{${m[2]}}` : s;
}

/** MATH-style `_strip_string` as MATH-V ships it (docs/benchmarks.md §3.3 step 4, second bullet). */
export function stripString(input: string): string {
  let s = input.replaceAll('\n', '').replaceAll('\\!', '');
  s = s.replaceAll('\\\\', '\\');
  s = s.replaceAll('tfrac', 'frac').replaceAll('dfrac', 'frac');
  s = s.replaceAll('\\left', '').replaceAll('\\right', '');
  s = s.replaceAll('^{\\circ}', '').replaceAll('^\\circ', '');
  s = s.replaceAll('\\$', '').replaceAll('$', '');
  // _remove_right_units: cut at the first "\text{ " (spaces are already gone when called from find_math_answer).
  const unit = s.indexOf('\\text{ ');
  if (unit >= 0) s = s.slice(0, unit);
  s = s.replaceAll('\\%', '');
  s = s.replaceAll(' .', ' 0.').replaceAll('{.', '{0.');
  if (s.length === 0) return s;
  if (s[0] === '.') s = '0' + s;
  // Keep the right side when exactly one "=" (or "\approx") remains.
  for (const sep of ['=', '\\approx']) {
    const pieces = s.split(sep);
    if (pieces.length === 2) s = pieces[1];
  }
  s = fixSqrt(s);
  s = s.replaceAll(' ', '');
  if (s.includes('sqrt')) s = fixFracs(s);
  if (s === '0.5') s = '\\frac{1}{2}';
  return fixASlashB(s);
}

/** `find_math_answer` (docs/benchmarks.md §3.3 step 4). */
export function findMathAnswer(input: string): string {
  let s = input.toLowerCase().replaceAll('{}', '');
  // Greedy, DOTALL `oxed{(.*)}`: from the first "oxed{" to the last "}" after it.
  const open = s.indexOf('oxed{');
  const close = s.lastIndexOf('}');
  let ans = open >= 0 && close >= open + 5 ? s.slice(open + 5, close) : s;
  const firstClose = ans.indexOf('}');
  if (firstClose >= 0) {
    const firstOpen = ans.indexOf('{');
    if (firstOpen < 0 || firstClose < firstOpen) ans = ans.slice(0, firstClose);
  }
  ans = afterLast(ans, '=');
  ans = afterLast(ans, '\\approx');
  ans = ans.replaceAll(' ', '').replaceAll('\\,', '').replaceAll('\\text', '').replaceAll('\\mbox', '');
  ans = ans.replaceAll('∞', '\\infty').replaceAll('+\\infty', '\\infty');
  ans = ans.replaceAll('\\\\', '\\').replaceAll('\n', '');
  ans = ans.replaceAll('bmatrix', 'pmatrix');
  ans = ans.replaceAll('\\left', '').replaceAll('\\right', '');
  ans = ans.replaceAll('^{\\circ}', '').replaceAll('^\\circ', '');
  ans = ans.replaceAll('{m}^3', '').replaceAll('m^3', '');
  ans = ans.replaceAll('{units}', '').replaceAll('units', '');
  ans = ans.replaceAll('{km}', '').replaceAll('km', '');
  return stripString(ans);
}

/**
 * The official `model_answer` of a MATH-V response (docs/benchmarks.md §3.3 steps 1–5). Never throws.
 */
export function extractMathVisionAnswer(response: string): string {
  let text = pyStrip(typeof response === 'string' ? response : String(response ?? ''));
  // 1. option letter patterns: the whole text becomes the letter.
  for (const c of 'ABCDE') {
    if (
      text.endsWith(` ${c}.`) ||
      text.endsWith(` (${c}).`) ||
      text.startsWith(`${c}\n`) ||
      text.startsWith(`(${c})\n`) ||
      text.startsWith(`(${c}) ${c}\n`)
    ) {
      text = c;
    }
  }
  // 2. a number after the last "is ".
  const tail = rstripChar(afterLast(text, 'is '), '.');
  if (pyFloat(tail) !== undefined) text = tail;
  // 3. answer flags, or the last \boxed when there are several.
  if (!text.includes('oxed{')) {
    for (const lower of FLAGS) {
      for (const flag of [lower, lower.replace('the', 'The')]) {
        const raw = text;
        text = pyStrip(afterLast(text, flag));
        if (raw.includes(flag)) text = text.split('\n')[0].split('. ')[0];
      }
    }
  } else if (text.split('oxed{').length - 1 > 1) {
    text = '\\boxed{' + afterLast(text, 'oxed{');
  }
  // 4–5. find_math_answer, then option-letter cleanup.
  let ans = findMathAnswer(text);
  for (const c of 'abcde') ans = ans.replaceAll(`(${c})`, c);
  for (const c of 'abcde') ans = ans.replaceAll(`{${c}}`, c);
  ans = lstripChar(rstripChar(ans, '.'), ':');
  return pyStrip(ans);
}

/**
 * A fast path for the common shapes of MATH-V answers, tried before the LaTeX engine (docs/benchmarks.md §3.3
 * numeric path): signed sums of terms `c`, `c\sqrt{n}`, `c\pi`, `c\sqrt{n}\pi` and `\frac{term}{term}`, and ratios
 * `a:b:c`. Anything else returns undefined and goes to @cortex-js/compute-engine; a test checks that both paths
 * agree on every string this one accepts.
 */
const NUM = String.raw`(?:\d+\.?\d*|\.\d+)`;
const TERM = String.raw`(${NUM})?(?:\\sqrt\{(${NUM})\})?(\\pi)?`;
const TERM_RE = new RegExp(`^${TERM}$`);
const FRAC_RE = new RegExp(String.raw`^\\frac\{${TERM}\}\{${TERM}\}$`);
const RATIO_RE = new RegExp(`^${NUM}(?::${NUM})+$`);
const NOISE = /\\left|\\right|\\displaystyle|\s+/g;

function term(coef: string | undefined, root: string | undefined, pi: string | undefined): number | undefined {
  if (coef === undefined && root === undefined && pi === undefined) return undefined; // empty term
  let v = coef === undefined ? 1 : Number(coef);
  if (root !== undefined) v *= Math.sqrt(Number(root));
  if (pi !== undefined) v *= Math.PI;
  return v;
}

function termValue(text: string): number | undefined {
  let m = TERM_RE.exec(text);
  if (m) return term(m[1], m[2], m[3]);
  m = FRAC_RE.exec(text);
  if (!m) return undefined;
  const num = term(m[1], m[2], m[3]);
  const den = term(m[4], m[5], m[6]);
  if (num === undefined || den === undefined || den === 0) return undefined;
  return num / den;
}

/** The value of a simple answer, or undefined when the shape is not one of the fast-path shapes. */
export function cheapLatexValue(input: string): number | undefined {
  const text = input.replace(NOISE, '').replaceAll('\\dfrac', '\\frac').replaceAll('\\tfrac', '\\frac');
  if (text.length === 0 || text.length > 64) return undefined;
  if (RATIO_RE.test(text)) {
    const parts = text.split(':').map(Number);
    let v = parts[0];
    for (const p of parts.slice(1)) v /= p;
    return Number.isFinite(v) ? v : undefined;
  }
  // Signed terms split at + / - outside braces.
  let total = 0;
  let start = 0;
  let depth = 0;
  let sign = 1;
  if (text[0] === '-' || text[0] === '+') {
    sign = text[0] === '-' ? -1 : 1;
    start = 1;
  }
  for (let i = start; i <= text.length; i++) {
    const ch = text[i];
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    if (i === text.length || (depth === 0 && (ch === '+' || ch === '-'))) {
      const v = termValue(text.slice(start, i));
      if (v === undefined) return undefined;
      total += sign * v;
      sign = ch === '-' ? -1 : 1;
      start = i + 1;
    }
  }
  return Number.isFinite(total) ? total : undefined;
}

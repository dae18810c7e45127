/**
 * Python's `float(str)` in JavaScript (docs/benchmarks.md §3.1 "Python float() grammar"). JS `Number` and
 * `parseFloat` accept a different language ("" → 0, "0x10" → 16, "1_0" → NaN, "12abc" → 12), and official scorers
 * written in Python decide correctness through `float()` succeeding or raising, so the grammar must be exact:
 *
 *   - CPython first maps every non-ASCII character (`_PyUnicode_TransformDecimalAndSpaceToASCII`): Unicode
 *     whitespace → ' ', a Unicode decimal digit (category Nd) → its ASCII digit, anything else → invalid; then it
 *     strips ASCII C-locale whitespace (space, \t \n \v \f \r) from both ends. So NBSP or U+3000 around a number
 *     is stripped, but the ASCII separators \x1c–\x1f (which `str.strip()` would remove) are not;
 *   - optional sign; digits with single `_` only between digits; optional fraction (`.5`, `5.` valid);
 *     optional exponent; or, in any case, `inf`, `infinity`, `nan`.
 *
 * Returns `undefined` where Python raises ValueError.
 */

const DIGITS = String.raw`\d(?:_?\d)*`;
const DECIMAL = new RegExp(`^[+-]?(?:${DIGITS}(?:\\.(?:${DIGITS})?)?|\\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`);
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;
const UNICODE_DIGIT = /\p{Nd}/u;
/** Non-ASCII characters for which Python's str.isspace() is true. */
const UNICODE_SPACE = /[\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const ASCII_SPACES = ' \t\n\v\f\r';

/** Strips ASCII C-locale whitespace with index loops (an anchored `\s+$` regex is quadratic on long inner runs). */
function stripAsciiSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && ASCII_SPACES.includes(s[start])) start++;
  while (end > start && ASCII_SPACES.includes(s[end - 1])) end--;
  return s.slice(start, end);
}

/** First code point of the run of decimal digits that holds `cp`, cached per code point. */
const runStartCache = new Map<number, number>();
function digitRunStart(cp: number): number {
  let start = runStartCache.get(cp);
  if (start === undefined) {
    start = cp;
    while (start > 0 && UNICODE_DIGIT.test(String.fromCodePoint(start - 1))) start--;
    runStartCache.set(cp, start);
  }
  return start;
}

/**
 * Maps non-ASCII whitespace to ' ' and every non-ASCII decimal digit to its ASCII digit; undefined as soon as
 * any other non-ASCII character occurs (CPython maps it to a character no rule accepts). Unicode assigns decimal
 * digits only in contiguous runs of ten, 0 through 9 (Unicode stability policy for Numeric_Type=Decimal), so a
 * digit's value is its distance from the start of its run, modulo 10 (some runs, e.g. the mathematical digits,
 * hold several sets back to back).
 */
function toAscii(text: string): string | undefined {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch;
    else if (UNICODE_SPACE.test(ch)) out += ' ';
    else if (UNICODE_DIGIT.test(ch)) out += String((cp - digitRunStart(cp)) % 10);
    else return undefined;
  }
  return out;
}

/** Python `float(text)` for a string argument; `undefined` where Python raises ValueError. */
export function parsePythonFloat(text: string): number | undefined {
  // Fast path: pure ASCII needs no mapping.
  const mapped = /^[\x00-\x7f]*$/.test(text) ? text : toAscii(text);
  if (mapped === undefined) return undefined;
  const ascii = stripAsciiSpace(mapped);
  const special = SPECIAL.exec(ascii);
  if (special) {
    if (special[2].toLowerCase() === 'nan') return Number.NaN;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (!DECIMAL.test(ascii)) return undefined;
  // The grammar is now a subset of JS StringNumericLiteral once underscores are gone; both round correctly.
  return Number(ascii.replaceAll('_', ''));
}

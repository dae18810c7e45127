/**
 * Python `str` semantics that rules ported from Python depend on. `str.split()` / `str.strip()` with no argument
 * use Unicode whitespace as Python defines it (str.isspace), which differs from JS `\s`: Python includes the
 * information separators \x1c-\x1f and NEL \x85, and excludes the BOM \ufeff.
 */
export const PY_WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

const WS_RUN = new RegExp(`[${PY_WHITESPACE}]+`, 'g');
/** Python `str.isspace` for one UTF-16 code unit: \t-\r, \x1c-\x20, \x85, \xa0, \u1680, \u2000-\u200a, \u2028/9, \u202f, \u205f, \u3000. */
export function isPySpace(c: number): boolean {
  return (
    (c >= 0x09 && c <= 0x0d) ||
    (c >= 0x1c && c <= 0x20) ||
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/**
 * Python `s.strip()`. Index loops, not a `^\s+|\s+$` regex: that regex backtracks quadratically on long inner
 * whitespace runs ('a' + 10⁵ spaces + 'b' took 8 s), and rewards must stay fast on any model output.
 */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isPySpace(s.charCodeAt(start))) start++;
  while (end > start && isPySpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Python `s.split()`: split on runs of whitespace, no empty strings. */
export function pySplit(s: string): string[] {
  const t = pyStrip(s);
  return t === '' ? [] : t.split(WS_RUN);
}

/** Python `s.strip(chars)`: remove any of `chars` from both ends. */
export function pyStripChars(s: string, chars: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && chars.includes(s[start])) start++;
  while (end > start && chars.includes(s[end - 1])) end--;
  return s.slice(start, end);
}

/** Python `string.punctuation`. */
export const PY_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

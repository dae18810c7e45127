/**
 * Python `str.strip()` in linear time. core's `pyStrip` uses `/[ws]+$/`, which backtracks quadratically on a long
 * whitespace run inside the text (a 40 k-space run takes ~2 s), and scorers must survive megabyte model outputs.
 * Whitespace is Python's `str.isspace` set (includes \x1c–\x1f and \x85, excludes \ufeff).
 */
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

export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isPySpace(s.charCodeAt(start))) start++;
  while (end > start && isPySpace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Whether the (already stripped) text contains any Python whitespace. */
export function hasPySpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isPySpace(s.charCodeAt(i))) return true;
  return false;
}

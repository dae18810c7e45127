/** Levenshtein distance (insert/delete/substitute, cost 1), O(|a|·|b|) time, O(|b|) memory. */
/**
 * Levenshtein distance over Unicode code points, as python-Levenshtein's `distance(str, str)` computes it (MathVista's
 * `get_most_similar` relies on this; a UTF-16 count would differ on astral characters such as emoji). O(|a|·|b|) time
 * with the shorter string in the inner loop, O(min) memory.
 */
function codePoints(s: string): Uint32Array {
  const out = new Uint32Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out[n++] = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        i++;
        continue;
      }
    }
    out[n++] = c; // a lone surrogate counts as one code point, as in Python
  }
  return out.subarray(0, n);
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const x = codePoints(a);
  const y = codePoints(b);
  const outer = x.length >= y.length ? x : y;
  const inner = x.length >= y.length ? y : x;
  const m = inner.length;
  if (m === 0) return outer.length;
  let prev = new Uint32Array(m + 1);
  let cur = new Uint32Array(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= outer.length; i++) {
    cur[0] = i;
    const c = outer[i - 1];
    for (let j = 1; j <= m; j++) {
      const sub = prev[j - 1] + (inner[j - 1] === c ? 0 : 1);
      const del = prev[j] + 1;
      const ins = cur[j - 1] + 1;
      cur[j] = sub < del ? (sub < ins ? sub : ins) : del < ins ? del : ins;
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m];
}

/**
 * The candidate closest to `name` (for "did you mean" hints), or undefined when nothing is close enough
 * (distance above max(2, a third of the name's length)).
 */
export function closestMatch(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    const d = levenshtein(lower, c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return bestDist <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** " (did you mean 'x'?)" or "" — for error messages. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closestMatch(name, candidates);
  return c === undefined ? '' : ` (did you mean '${c}'?)`;
}

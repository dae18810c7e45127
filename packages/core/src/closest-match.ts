/** Levenshtein distance (insert/delete/substitute, cost 1), O(|a|·|b|) time, O(|b|) memory. */
export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1] + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
      cur[j] = Math.min(sub, prev[j] + 1, cur[j - 1] + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
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

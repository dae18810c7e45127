/**
 * Group statistics of the N normalised answers (docs/method.md §4–§5), computed by the loop for the event log.
 * Rewards compute their own; the log lets anyone recompute both from the logged answers.
 */
export interface AnswerStats {
  /** [answer, count] in order of first appearance. */
  readonly histogram: ReadonlyArray<readonly [string, number]>;
  /** Highest count; ties → the first-seen answer (docs/method.md §4 "Discrete reward"). */
  readonly majority: string;
  readonly majorityCount: number;
  readonly majorityFraction: number;
  /** −Σ p̂ ln p̂ over the histogram, in nats. */
  readonly entropy: number;
  /** Number of distinct normalised answers (docs/method.md §9 D3). */
  readonly distinctAnswers: number;
}

export function answerStats(normalized: readonly string[]): AnswerStats {
  const counts = new Map<string, number>();
  for (const a of normalized) counts.set(a, (counts.get(a) ?? 0) + 1);
  const histogram = [...counts.entries()].map(([a, c]) => [a, c] as const);
  let majority = '';
  let majorityCount = 0;
  for (const [a, c] of histogram) {
    if (c > majorityCount) {
      majority = a;
      majorityCount = c;
    }
  }
  const n = normalized.length;
  let entropy = 0;
  for (const [, c] of histogram) {
    const p = c / n;
    entropy -= p * Math.log(p);
  }
  return {
    histogram,
    majority,
    majorityCount,
    majorityFraction: n === 0 ? 0 : majorityCount / n,
    entropy: entropy === 0 ? 0 : entropy, // no -0 in the log
    distinctAnswers: counts.size,
  };
}

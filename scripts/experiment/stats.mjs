// Paired statistics of the self-evolve experiment (docs/experiment.md "Statistics"): per condition, the gain in
// greedy held-out accuracy (after − before) per seed; a t-interval over seeds; a paired bootstrap over eval items
// (the same items are evaluated before and after, for every seed); and an exact McNemar test on the per-item
// flips pooled across seeds.

/** Two-sided 97.5 % quantiles of Student's t for df = 1..30 (then the normal 1.96). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function tQuantile975(df) {
  return df >= 1 && df <= 30 ? T975[df - 1] : 1.96;
}

export function mean(xs) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Mean and 95 % t-interval of xs (NaN bounds for fewer than 2 values). */
export function tInterval(xs) {
  const m = mean(xs);
  if (xs.length < 2) return { mean: m, lo: NaN, hi: NaN, sd: NaN };
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
  const half = tQuantile975(xs.length - 1) * (sd / Math.sqrt(xs.length));
  return { mean: m, lo: m - half, hi: m + half, sd };
}

/** log C(n, k) via lgamma-free summation (n is at most a few thousand here). */
function logChoose(n, k) {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** Exact two-sided McNemar (sign) test on discordant pairs b (wrong→right) and c (right→wrong). */
export function mcnemarExact(b, c) {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/** mulberry32: a small seeded PRNG so the bootstrap is reproducible. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Paired bootstrap over items: diffs[s][i] = after − before of item i under seed s. Each replicate draws items
 * with replacement (the same draw for every seed, as the items are shared) and averages over seeds and items.
 */
export function pairedBootstrap(diffs, { replicates = 5000, seed = 7 } = {}) {
  const n = diffs[0]?.length ?? 0;
  if (n === 0) return { lo: NaN, hi: NaN };
  const r = rng(seed);
  const stats = new Float64Array(replicates);
  for (let b = 0; b < replicates; b++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const i = Math.floor(r() * n);
      for (const d of diffs) sum += d[i];
    }
    stats[b] = sum / (n * diffs.length);
  }
  stats.sort();
  return { lo: stats[Math.floor(0.025 * replicates)], hi: stats[Math.ceil(0.975 * replicates) - 1] };
}

/** Everything results.json reports per condition, plus the warm model's diagnostics. */
export function summarize(perSeed, conditions) {
  const warm = {
    greedy: tInterval(perSeed.map((s) => s.before.accuracy)),
    majority: tInterval(perSeed.map((s) => s.before.majorityAccuracy)),
    majorityFraction: mean(perSeed.map((s) => s.before.majorityFraction)),
  };
  const byCondition = {};
  for (const c of conditions) {
    const rows = perSeed.filter((s) => s.conditions[c]);
    if (!rows.length) continue;
    const gains = rows.map((s) => s.conditions[c].after.accuracy - s.before.accuracy);
    const diffs = rows.map((s) => s.conditions[c].after.items.map((it, i) => it.correct - s.before.items[i].correct));
    let b = 0;
    let cc = 0;
    for (const d of diffs) for (const x of d) (x > 0 ? b++ : x < 0 ? cc++ : 0);
    const last = (k) => mean(rows.map((s) => {
      const cur = s.conditions[c].curves;
      const tail = cur.slice(Math.max(0, cur.length - Math.max(1, Math.floor(cur.length / 4))));
      return mean(tail.map((e) => e[k]).filter(Number.isFinite));
    }));
    const first = (k) => mean(rows.map((s) => {
      const cur = s.conditions[c].curves;
      const head = cur.slice(0, Math.max(1, Math.floor(cur.length / 4)));
      return mean(head.map((e) => e[k]).filter(Number.isFinite));
    }));
    byCondition[c] = {
      seeds: rows.length,
      before: mean(rows.map((s) => s.before.accuracy)),
      after: mean(rows.map((s) => s.conditions[c].after.accuracy)),
      gain: tInterval(gains),
      gains,
      bootstrap: pairedBootstrap(diffs),
      mcnemar: { wrongToRight: b, rightToWrong: cc, p: mcnemarExact(b, cc) },
      afterMajority: mean(rows.map((s) => s.conditions[c].after.majorityAccuracy)),
      afterMajorityFraction: mean(rows.map((s) => s.conditions[c].after.majorityFraction)),
      training: {
        majorityFraction: { firstQuarter: first('majorityFraction'), lastQuarter: last('majorityFraction') },
        entropy: { firstQuarter: first('entropy'), lastQuarter: last('entropy') },
        kl: { firstQuarter: first('kl'), lastQuarter: last('kl') },
        proposerTagged: mean(rows.map((s) => mean(s.conditions[c].curves.map((e) => e.proposerTagged)))),
      },
    };
  }
  return { warm, byCondition };
}

import { EvolmmError, type Rng } from '@evolmm/core';

/** Sampling settings (core GenerateRequest semantics): temperature 0 = greedy, topK 0 and topP 1 disable. */
export interface SamplingOptions {
  temperature: number;
  topP: number;
  topK: number;
}

/** Logits this far below the maximum (after temperature) are treated as probability 0 (e^−50 ≈ 2e−22). */
const CUTOFF = 50;

/** log softmax(logits)[token] under temperature 1, in float64. */
export function logSoftmaxAt(logits: Float32Array, token: number, knownMax?: number): number {
  let max = knownMax ?? -Infinity;
  if (knownMax === undefined) for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return logits[token] - max - Math.log(sum);
}

/** Index of the largest logit (the first one on ties). */
export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/**
 * Picks the next token, shared by every backend so the same seed gives the same text (docs/method.md, issue 4).
 * Order as in HF generate: temperature, then top-k (keeps every token ≥ the k-th largest), then top-p (keeps
 * the most probable tokens until their mass reaches topP; always at least one). Draws exactly one `rng.next()`
 * when sampling, none when greedy. `logprob` is log π(token) under the T = 1 softmax of the raw logits, the
 * quantity the trainer needs, whatever the sampling settings.
 */
export function sampleToken(logits: Float32Array, opts: SamplingOptions, rng: Rng): { token: number; logprob: number } {
  const V = logits.length;
  if (V === 0) throw new EvolmmError('INVALID_ARGUMENT', 'sampleToken: empty logits');
  const { temperature, topP, topK } = opts;
  if (!(temperature >= 0) || !(topP > 0 && topP <= 1) || !(topK >= 0)) {
    throw new EvolmmError('INVALID_ARGUMENT', `sampling options must have temperature ≥ 0, 0 < topP ≤ 1, topK ≥ 0; found ${JSON.stringify(opts)}`);
  }
  if (temperature === 0) {
    const token = argmax(logits);
    return { token, logprob: logSoftmaxAt(logits, token) };
  }
  let max = -Infinity;
  for (let i = 0; i < V; i++) {
    const x = logits[i];
    if (x > max) max = x;
    else if (x !== x) max = NaN;
    if (max !== max) break;
  }
  if (!Number.isFinite(max)) throw new EvolmmError('INTERNAL', `sampleToken: logits contain ${max} (NaN or infinite); the model produced invalid numbers`);
  // Candidates: tokens with non-negligible probability (index order), with weights exp((l − max) / T).
  const floor = max - CUTOFF * temperature;
  let n = 0;
  let idx = new Int32Array(V);
  for (let i = 0; i < V; i++) if (logits[i] >= floor) idx[n++] = i;
  idx = idx.subarray(0, n);
  let w = new Float64Array(n);
  let fullSum = 0;
  for (let j = 0; j < n; j++) fullSum += w[j] = Math.exp((logits[idx[j]] - max) / temperature);
  const keepWhere = (pred: (j: number) => boolean) => {
    let m = 0;
    for (let j = 0; j < idx.length; j++) if (pred(j)) { idx[m] = idx[j]; w[m] = w[j]; m++; }
    idx = idx.subarray(0, m);
    w = w.subarray(0, m);
  };
  if (topK > 0 && topK < idx.length) {
    // exp is monotone: the k-th largest weight marks the k-th largest logit; ties at it are all kept (as HF).
    const kth = kthLargest(w.slice(), topK);
    keepWhere((j) => w[j] >= kth);
  }
  if (topP < 1 && idx.length > 1) {
    let total = 0;
    for (let j = 0; j < w.length; j++) total += w[j];
    // The kept set is a prefix of the tokens sorted by probability. Sort only the tokens above a threshold
    // that already holds ≥ topP of the mass (widened until it does): same result as sorting everything.
    let thr = Math.exp(-4);
    let head: Float64Array;
    for (;;) {
      let mass = 0, m = 0;
      for (let j = 0; j < w.length; j++) if (w[j] >= thr) { mass += w[j]; m++; }
      if (mass / total >= topP || m === w.length) {
        head = new Float64Array(m);
        m = 0;
        for (let j = 0; j < w.length; j++) if (w[j] >= thr) head[m++] = w[j];
        break;
      }
      thr *= thr;
    }
    head.sort(); // ascending, native numeric sort
    let before = 0;
    let last = head[head.length - 1];
    for (let r = head.length - 1; r >= 0; r--) {
      if (before / total >= topP) break;
      last = head[r];
      before += head[r];
    }
    // Ties with the last kept weight are all kept (HF keeps them in sort order; ties of float logits are rare).
    keepWhere((j) => w[j] >= last);
  }
  let total = 0;
  for (let j = 0; j < w.length; j++) total += w[j];
  const u = rng.next() * total;
  let acc = 0;
  let token = idx[idx.length - 1];
  for (let j = 0; j < w.length; j++) {
    acc += w[j];
    if (u < acc) {
      token = idx[j];
      break;
    }
  }
  // At T = 1 the candidates' sum is the softmax normaliser (tokens below the cutoff add < V·e^−50 relative).
  return { token, logprob: temperature === 1 ? logits[token] - max - Math.log(fullSum) : logSoftmaxAt(logits, token, max) };
}

/** The k-th largest value (1-based) of `a` (reordered in place), by quickselect. */
function kthLargest(a: Float64Array, k: number): number {
  let lo = 0, hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target];
}

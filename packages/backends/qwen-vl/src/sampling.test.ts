import { describe, expect, it } from 'vitest';
import { createRng } from '@evolmm/core';
import { sampleToken } from './sampling.js';
import { StopChecker } from './stop-checker.js';
import { buildTinyTokenizer } from './tiny-tokenizer.js';
import { createQwenTokenizer } from './tokenizer.js';

const softmax = (l: number[], T = 1) => {
  const m = Math.max(...l);
  const e = l.map((x) => Math.exp((x - m) / T));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const counts = (logits: Float32Array, opts: { temperature: number; topP: number; topK: number }, n: number, seed: number) => {
  const rng = createRng(seed);
  const c = new Array(logits.length).fill(0);
  for (let i = 0; i < n; i++) c[sampleToken(logits, opts, rng).token]++;
  return c;
};
const chiSquare = (obs: number[], p: number[]) => {
  const n = obs.reduce((a, b) => a + b, 0);
  return obs.reduce((s, o, i) => s + (o - n * p[i]) ** 2 / (n * p[i]), 0);
};

describe('sampleToken', () => {
  const logits = Float32Array.of(0.3, 2.1, -1.0, 1.7, 0.0, -0.4);
  const full = { temperature: 1, topP: 1, topK: 0 };

  it('temperature 0 is argmax and consumes no randomness; logprob is the T=1 log-softmax', () => {
    const rng = createRng(1);
    const before = rng.state();
    const r = sampleToken(logits, { temperature: 0, topP: 1, topK: 0 }, rng);
    expect(r.token).toBe(1);
    expect(rng.state()).toEqual(before);
    expect(r.logprob).toBeCloseTo(Math.log(softmax([...logits])[1]), 6);
  });

  it('reports the T=1 log-prob whatever the temperature', () => {
    const rng = createRng(3);
    for (let i = 0; i < 40; i++) {
      const r = sampleToken(logits, { temperature: i % 2 ? 1 : 0.6, topP: 0.9, topK: i % 3 }, rng);
      expect(r.logprob).toBeCloseTo(Math.log(softmax([...logits])[r.token]), 6);
    }
  });

  it('empirical frequencies match softmax(logits / T) (chi-square, df 5, bound at p = 0.999: 20.5)', () => {
    for (const T of [1, 0.5, 2]) {
      const obs = counts(logits, { ...full, temperature: T }, 30000, 123);
      expect(chiSquare(obs, softmax([...logits], T))).toBeLessThan(20.5);
    }
    // and the test has power: the T=1 counts do not fit T=2 probabilities
    expect(chiSquare(counts(logits, full, 30000, 123), softmax([...logits], 2))).toBeGreaterThan(100);
  });

  it('top-k keeps the k largest; frequencies follow the renormalised softmax', () => {
    expect(counts(logits, { ...full, topK: 1 }, 300, 5)).toEqual([0, 300, 0, 0, 0, 0]);
    const obs = counts(logits, { ...full, topK: 2 }, 20000, 6);
    expect(obs.filter((_, i) => i !== 1 && i !== 3)).toEqual([0, 0, 0, 0]);
    const p = softmax([2.1, 1.7]);
    expect(chiSquare([obs[1], obs[3]], p)).toBeLessThan(10.8); // df 1, p = 0.999
    // ties at the k-th value are all kept (HF: logits < k-th value are removed)
    const tie = counts(Float32Array.of(1, 1, 0), { ...full, topK: 1 }, 2000, 7);
    expect(tie[2]).toBe(0);
    expect(tie[0]).toBeGreaterThan(800);
    expect(tie[1]).toBeGreaterThan(800);
  });

  it('top-p keeps the smallest most-probable set reaching p (probs 0.5, 0.3, 0.15, 0.05)', () => {
    const l = Float32Array.from([0.5, 0.3, 0.15, 0.05].map(Math.log));
    const kept = (topP: number) => counts(l, { ...full, topP }, 3000, 9).map((c) => c > 0);
    expect(kept(0.5)).toEqual([true, false, false, false]); // HF: remove where ascending cumsum ≤ 1 − p
    expect(kept(0.7)).toEqual([true, true, false, false]);
    expect(kept(0.85)).toEqual([true, true, true, false]);
    expect(kept(1)).toEqual([true, true, true, true]);
    const obs = counts(l, { ...full, topP: 0.7 }, 20000, 10);
    expect(chiSquare([obs[0], obs[1]], [0.625, 0.375])).toBeLessThan(10.8);
  });

  it('same seed → same tokens; different seeds → different tokens', () => {
    const run = (seed: number) => {
      const rng = createRng(seed, 0);
      return Array.from({ length: 64 }, () => sampleToken(logits, full, rng).token);
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('validates options and logits', () => {
    const rng = createRng(0);
    expect(() => sampleToken(logits, { temperature: -1, topP: 1, topK: 0 }, rng)).toThrow(/temperature/);
    expect(() => sampleToken(logits, { temperature: 1, topP: 0, topK: 0 }, rng)).toThrow(/topP/);
    expect(() => sampleToken(Float32Array.of(NaN, 1), full, rng)).toThrow(/NaN|invalid/);
  });
});

describe('StopChecker', () => {
  const { tokenizerJson, specialIds } = buildTinyTokenizer();
  const tok = createQwenTokenizer(tokenizerJson);
  const imEnd = specialIds['<|im_end|>'];

  it('stops on the end-of-turn id, keeps it in tokenIds, skips it in the text', () => {
    const sc = new StopChecker(tok, [imEnd, specialIds['<|endoftext|>']]);
    const ids = tok.encode('hello world');
    for (const id of ids) expect(sc.push(id, -0.5)).toBe(false);
    expect(sc.push(imEnd, -0.1)).toBe(true);
    expect(sc.push(5)).toBe(true); // ignored after stop
    const c = sc.finish({ logprobs: true });
    expect(c).toEqual({ text: 'hello world', tokenIds: [...ids, imEnd], finishReason: 'stop', logprobs: [...ids.map(() => -0.5), -0.1] });
  });

  it('cuts the text before the first stop string and keeps the sampled ids', () => {
    const sc = new StopChecker(tok, [imEnd], ['STOP', '\n\n']);
    const ids = tok.encode('The answer is 42\n\nmore text');
    let n = 0;
    for (const id of ids) {
      n++;
      if (sc.push(id)) break;
    }
    const c = sc.finish();
    expect(c.text).toBe('The answer is 42');
    expect(c.finishReason).toBe('stop');
    expect(c.tokenIds).toEqual(ids.slice(0, n));
    expect(tok.decode(c.tokenIds)).toContain('\n\n');
    expect(c.logprobs).toBeUndefined();
  });

  it("reports 'length' when nothing stopped it", () => {
    const sc = new StopChecker(tok, [imEnd], ['zzz']);
    for (const id of tok.encode('how are you')) sc.push(id);
    expect(sc.finish()).toEqual({ text: 'how are you', tokenIds: tok.encode('how are you'), finishReason: 'length' });
  });
});

describe('sampleToken on a large vocabulary', () => {
  it('top-k / top-p select the same sets as a brute-force sort', () => {
    const rngL = createRng(99);
    const V = 2000;
    const logits = Float32Array.from({ length: V }, () => rngL.nextNormal() * 3);
    const order = [...logits.keys()].sort((a, b) => logits[b] - logits[a]);
    const probs = softmax([...logits]);
    for (const [topK, topP] of [[7, 1], [50, 1], [0, 0.3], [0, 0.9], [40, 0.6]]) {
      let allowed = topK > 0 ? order.slice(0, topK) : order;
      if (topP < 1) {
        const p = softmax(allowed.map((i) => logits[i]));
        const keep: number[] = [];
        let before = 0;
        for (let j = 0; j < allowed.length && (before < topP || keep.length === 0); j++) {
          keep.push(allowed[j]);
          before += p[j];
        }
        allowed = keep;
      }
      const set = new Set(allowed);
      const rng = createRng(1);
      const seen = new Set<number>();
      for (let n = 0; n < 1500; n++) seen.add(sampleToken(logits, { temperature: 1, topP, topK }, rng).token);
      for (const t of seen) expect(set.has(t)).toBe(true);
      // every kept token with probability ≥ 1 % shows up in 1500 draws (miss chance < e^−15)
      for (const t of allowed) if (probs[t] / allowed.reduce((s, i) => s + probs[i], 0) > 0.01) expect(seen.has(t)).toBe(true);
    }
  });
});

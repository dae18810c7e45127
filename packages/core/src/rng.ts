/**
 * A small seeded PRNG with serialisable state: xoshiro128** seeded through splitmix32. Used for sampling
 * (one stream per sample: same seed → same samples on every backend), shuffles, and LoRA dropout, so runs are
 * reproducible and resumable (the state goes into checkpoints).
 */
export interface Rng {
  /** Uniform in [0, 1) with 53 random bits. */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform integer in [0, n). */
  nextInt(n: number): number;
  /** Standard normal (Box–Muller). */
  nextNormal(): number;
  /** The state, to restore with `restoreRng`. */
  state(): RngState;
}

export type RngState = readonly [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Mixes a seed and a stream index into one 32-bit seed (distinct streams for distinct indices). */
export function deriveSeed(seed: number, ...streams: number[]): number {
  let h = splitmix32(seed >>> 0 ^ Math.floor(seed / 2 ** 32))();
  for (const s of streams) h = splitmix32((h ^ Math.imul(s + 1, 0x27d4eb2d)) >>> 0)();
  return h >>> 0;
}

class Xoshiro128 implements Rng {
  private s: Uint32Array;

  constructor(state: RngState) {
    this.s = Uint32Array.from(state);
    if (this.s.every((v) => v === 0)) this.s[0] = 1; // the all-zero state is a fixed point
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  nextNormal(): number {
    // One normal per call (no cached spare), so the whole state is the four words and resume is exact.
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  state(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A generator for `seed` (any safe integer) and optional stream indices (e.g. sample index). */
export function createRng(seed: number, ...streams: number[]): Rng {
  const next = splitmix32(deriveSeed(seed, ...streams));
  return new Xoshiro128([next(), next(), next(), next()]);
}

export function restoreRng(state: RngState): Rng {
  return new Xoshiro128(state);
}

/** Fisher–Yates shuffle of 0..n-1. */
export function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, permutation, restoreRng } from './rng.js';

describe('rng', () => {
  it('same seed and stream → same sequence; other streams differ', () => {
    const a = createRng(42, 0);
    const b = createRng(42, 0);
    const c = createRng(42, 1);
    const sa = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(sa);
    expect(deriveSeed(42, 0)).not.toBe(deriveSeed(42, 1));
    expect(deriveSeed(42)).not.toBe(deriveSeed(43));
  });
  it('state round-trips exactly', () => {
    const a = createRng(7);
    for (let i = 0; i < 10; i++) a.nextNormal();
    const b = restoreRng(a.state());
    expect(Array.from({ length: 5 }, () => b.nextNormal())).toEqual(Array.from({ length: 5 }, () => a.nextNormal()));
  });
  it('uniforms are in [0,1) with mean ≈ 1/2 and normals have mean ≈ 0, var ≈ 1', () => {
    const r = createRng(1);
    let s = 0;
    let n = 0;
    let n2 = 0;
    const N = 20000;
    for (let i = 0; i < N; i++) {
      const u = r.next();
      expect(u >= 0 && u < 1).toBe(true);
      s += u;
      const z = r.nextNormal();
      n += z;
      n2 += z * z;
    }
    expect(Math.abs(s / N - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(n / N)).toBeLessThan(0.03);
    expect(Math.abs(n2 / N - 1)).toBeLessThan(0.05);
  });
  it('permutation is a permutation and depends on the seed', () => {
    const p = permutation(100, createRng(42));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(permutation(100, createRng(43))).not.toEqual(p);
  });
});

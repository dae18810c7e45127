import { describe, expect, it } from 'vitest';
import { getRopeIndex } from './rope-index.js';

const cfg = { imageTokenId: 9, videoTokenId: 8, visionStartTokenId: 7, vision: { spatialMergeSize: 2 } };
const VS = 7, IMG = 9, VE = 6, TXT = 1;

describe('getRopeIndex', () => {
  it('reproduces the verified transformers.js example: 56×84 image, grid [1,4,6], 6 tokens at index 44 (docs/runtime.md §3.4)', () => {
    const ids = new Int32Array(66).fill(TXT);
    ids[43] = VS;
    ids.fill(IMG, 44, 50);
    ids[50] = VE;
    const { positionIds: [t, h, w], ropeDelta } = getRopeIndex(ids, [[1, 4, 6]], cfg);
    for (let i = 0; i < 44; i++) expect([t[i], h[i], w[i]]).toEqual([i, i, i]);
    expect([...t.slice(44, 50)]).toEqual([44, 44, 44, 44, 44, 44]);
    expect([...h.slice(44, 50)]).toEqual([44, 44, 44, 45, 45, 45]);
    expect([...w.slice(44, 50)]).toEqual([44, 45, 46, 44, 45, 46]);
    expect([t[50], h[50], w[50]]).toEqual([47, 47, 47]);
    expect([t[65], h[65], w[65]]).toEqual([62, 62, 62]);
    expect(ropeDelta).toBe(-3);
    expect(66 + ropeDelta).toBe(63); // first decode position
  });

  it('two images of different grids (hand-computed)', () => {
    const ids = Int32Array.from([TXT, VS, IMG, IMG, IMG, IMG, VE, TXT, VS, IMG, IMG, VE, TXT]);
    const { positionIds: [t, h, w], ropeDelta } = getRopeIndex(ids, [[1, 4, 4], [1, 2, 4]], cfg);
    expect([...t]).toEqual([0, 1, 2, 2, 2, 2, 4, 5, 6, 7, 7, 9, 10]);
    expect([...h]).toEqual([0, 1, 2, 2, 3, 3, 4, 5, 6, 7, 7, 9, 10]);
    expect([...w]).toEqual([0, 1, 2, 3, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ropeDelta).toBe(-2);
  });

  it('text only: 0..n−1 on every row, delta 0', () => {
    const { positionIds, ropeDelta } = getRopeIndex(new Int32Array(5).fill(TXT), [], cfg);
    for (const r of positionIds) expect([...r]).toEqual([0, 1, 2, 3, 4]);
    expect(ropeDelta).toBe(0);
  });

  it('checks that image tokens and grids agree', () => {
    const ids = Int32Array.from([VS, IMG, IMG, VE]);
    expect(() => getRopeIndex(ids, [[1, 4, 4]], cfg)).toThrow(/needs 4 image tokens/);
    expect(() => getRopeIndex(ids, [], cfg)).toThrow(/more images/);
    expect(() => getRopeIndex(Int32Array.from([VS, IMG, VE]), [[1, 2, 2], [1, 2, 2]], cfg)).toThrow(/2 image grids given/);
  });
});

import { describe, expect, it } from 'vitest';
import { cuSeqlens, inversePermutation, visionRotaryPositions, windowIndex } from './vision-index.js';

const W112 = { windowSize: 112, patchSize: 14, mergeSize: 2 };

describe('visionRotaryPositions', () => {
  it('lists (row, col) in merge-block order, repeated per frame (hand-computed 4×4 grid)', () => {
    const { hpos, wpos } = visionRotaryPositions([[2, 4, 4]], 2);
    const h = [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3];
    const w = [0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3];
    expect([...hpos]).toEqual([...h, ...h]);
    expect([...wpos]).toEqual([...w, ...w]);
  });

  it('concatenates images', () => {
    const { hpos, wpos } = visionRotaryPositions([[1, 2, 2], [1, 2, 4]], 2);
    expect([...hpos]).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
    expect([...wpos]).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3]);
  });
});

describe('windowIndex (Qwen2.5-VL get_window_index)', () => {
  it('a 2×2 merged grid is one window', () => {
    const r = windowIndex([[1, 4, 4]], W112);
    expect([...r.windowIndex]).toEqual([0, 1, 2, 3]);
    expect(r.cuWindowSeqlens).toEqual([0, 16]);
  });

  it('pad quirk: a 4×4 merged grid gets padded by a full window, giving 3 empty windows', () => {
    const r = windowIndex([[1, 8, 8]], W112);
    expect([...r.windowIndex]).toEqual([...Array(16).keys()]);
    expect(r.cuWindowSeqlensRaw).toEqual([0, 64, 64, 64, 64]);
    expect(r.cuWindowSeqlens).toEqual([0, 64]);
  });

  it('6×10 merged grid: six windows of 16, 16, 8, 8, 8, 4 tokens (hand-computed)', () => {
    const r = windowIndex([[1, 12, 20]], W112);
    const windows = [
      [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23, 30, 31, 32, 33],
      [4, 5, 6, 7, 14, 15, 16, 17, 24, 25, 26, 27, 34, 35, 36, 37],
      [8, 9, 18, 19, 28, 29, 38, 39],
      [40, 41, 42, 43, 50, 51, 52, 53],
      [44, 45, 46, 47, 54, 55, 56, 57],
      [48, 49, 58, 59],
    ];
    expect([...r.windowIndex]).toEqual(windows.flat());
    expect(r.cuWindowSeqlens).toEqual([0, 64, 128, 160, 192, 224, 240]);
    const inv = inversePermutation(r.windowIndex);
    for (let i = 0; i < 60; i++) expect(r.windowIndex[inv[i]]).toBe(i);
  });

  it('smaller windows (56 px → 2×2 merged tokens) and the empty padded row/column', () => {
    const r = windowIndex([[1, 4, 8]], { windowSize: 56, patchSize: 14, mergeSize: 2 });
    expect([...r.windowIndex]).toEqual([0, 1, 4, 5, 2, 3, 6, 7]);
    expect(r.cuWindowSeqlensRaw).toEqual([0, 16, 32, 32, 32, 32, 32]);
    expect(r.cuWindowSeqlens).toEqual([0, 16, 32]);
  });

  it('offsets later images and frames', () => {
    const r = windowIndex([[1, 4, 4], [2, 4, 4]], W112);
    expect([...r.windowIndex]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(r.cuWindowSeqlens).toEqual([0, 16, 32, 48]);
  });
});

describe('cuSeqlens', () => {
  it('one segment of h·w patches per frame', () => {
    expect(cuSeqlens([[1, 4, 6], [2, 2, 2]])).toEqual([0, 24, 28, 32]);
  });
});

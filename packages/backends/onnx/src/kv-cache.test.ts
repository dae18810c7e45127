import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { appendRows, cacheMask, capacityFor, emptyKvCache, selectRows, tileCache, type KvCache } from './kv-cache.js';

const KVH = 2;
const HD = 3;

/** Value of cache slot (row b, head h, position p, dim d) as the tests fill it: unique per slot. */
const val = (b: number, h: number, p: number, d: number) => 1000 * b + 100 * h + 10 * p + d + 1;

/** The rows a decoder would return for positions [from, from + s) of `batch` rows. */
function rowsFor(batch: number, from: number, s: number, rowIds: readonly number[] = [...Array(batch).keys()]): ort.Tensor {
  const data = new Float32Array(batch * KVH * s * HD);
  for (let b = 0; b < batch; b++) for (let h = 0; h < KVH; h++) for (let p = 0; p < s; p++) for (let d = 0; d < HD; d++) data[((b * KVH + h) * s + p) * HD + d] = val(rowIds[b], h, from + p, d);
  return new ort.Tensor('float32', data, [batch, KVH, s, HD]);
}

/** Reads slot (b, h, p, :) of every tensor and checks it holds `val(row, h, p, ·)`; checks all used slots. */
function expectContents(cache: KvCache, rowIds: readonly number[]): void {
  for (const t of Object.values(cache.tensors)) {
    expect(t.dims).toEqual([cache.batch, KVH, cache.capacity, HD]);
    const data = t.data as Float32Array;
    for (let b = 0; b < cache.batch; b++) for (let h = 0; h < KVH; h++) for (let p = 0; p < cache.length; p++) for (let d = 0; d < HD; d++) {
      expect(data[((b * KVH + h) * cache.capacity + p) * HD + d]).toBe(val(rowIds[b], h, p, d));
    }
  }
}

const NAMES = ['past_key_values.0.key', 'past_key_values.0.value'];
const fresh = (t: ort.Tensor) => Object.fromEntries(NAMES.map((n) => [n, t]));

describe('KV cache buffers', () => {
  it('appends in place inside the capacity and grows by whole blocks when full', () => {
    let cache = appendRows(emptyKvCache(NAMES, 2, KVH, HD, 'float32'), fresh(rowsFor(2, 0, 5)), 5, 4);
    expect([cache.length, cache.capacity]).toEqual([5, 8]);
    expectContents(cache, [0, 1]);
    const buffer = cache.tensors[NAMES[0]].data;
    for (let pos = 5; pos < 8; pos++) {
      cache = appendRows(cache, fresh(rowsFor(2, pos, 1)), 1, 4);
      expect(cache.tensors[NAMES[0]].data).toBe(buffer); // written in place, no new buffer
    }
    expect([cache.length, cache.capacity]).toEqual([8, 8]);
    cache = appendRows(cache, fresh(rowsFor(2, 8, 1)), 1, 4);
    expect([cache.length, cache.capacity]).toEqual([9, 12]);
    expect(cache.tensors[NAMES[0]].data).not.toBe(buffer);
    expectContents(cache, [0, 1]);
  });

  it('tiles a prefill to n rows and selects rows with their contents', () => {
    const one = appendRows(emptyKvCache(NAMES, 1, KVH, HD, 'float32'), fresh(rowsFor(1, 0, 3)), 3, 4);
    const tiled = tileCache(one, 3, 16);
    expect([tiled.batch, tiled.length, tiled.capacity]).toEqual([3, 3, 16]);
    expectContents(tiled, [0, 0, 0]);
    // rows diverge after the prefill: row r gets ids 10 + r from position 3 on
    let c = appendRows(tiled, fresh(rowsFor(3, 3, 2, [10, 11, 12])), 2, 4);
    const kept = selectRows(c, [2, 0]);
    expect([kept.batch, kept.length, kept.capacity]).toEqual([2, 5, 16]);
    for (const t of Object.values(kept.tensors)) {
      const data = t.data as Float32Array;
      const at = (b: number, h: number, p: number) => data[((b * KVH + h) * 16 + p) * HD];
      expect([at(0, 1, 2), at(0, 1, 3), at(1, 0, 4)]).toEqual([val(0, 1, 2, 0), val(12, 1, 3, 0), val(10, 0, 4, 0)]);
    }
    c = tileCache(one, 2); // default: keep the prefill's capacity
    expect(c.capacity).toBe(one.capacity);
  });

  it('masks the free slots and nothing else', () => {
    const cache = appendRows(emptyKvCache(NAMES, 2, KVH, HD, 'float32'), fresh(rowsFor(2, 0, 3)), 3, 4);
    const mask = cacheMask(cache, 2);
    expect(mask.dims).toEqual([2, 6]);
    expect(Array.from(mask.data as BigInt64Array, Number)).toEqual([1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1]);
  });

  it('rounds capacities up to blocks and rejects rows of the wrong shape', () => {
    expect([capacityFor(1, 64), capacityFor(64, 64), capacityFor(65, 64)]).toEqual([64, 64, 128]);
    const cache = emptyKvCache(NAMES, 2, KVH, HD, 'float32');
    expect(() => appendRows(cache, fresh(rowsFor(1, 0, 2)), 2, 4)).toThrow(/expected \[2, 2, 2, 3\]/);
    expect(() => appendRows(cache, {}, 1, 4)).toThrow(/no new rows/);
  });
});

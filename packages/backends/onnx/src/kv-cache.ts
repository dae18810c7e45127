import { EvolmmError } from '@evolmm/core';
import * as ort from 'onnxruntime-node';

type Float = 'float32' | 'float16';
type FloatArray = Float32Array | Uint16Array;

/**
 * The KV cache of a batch: one [b, kvh, capacity, hd] tensor per layer and kind (named like the decoder's
 * `past_key_values.{i}.key|value` inputs). Positions [0, length) hold the cache; [length, capacity) are free slots
 * that the next decoder calls write in place, so decoding does not allocate a new cache per token (issue 10).
 * Graphs that only return the whole grown cache (other tools' exports) give caches with capacity === length.
 *
 * A decode call consumes its cache: the buffers are reused by the cache it returns.
 */
export interface KvCache {
  readonly batch: number;
  readonly length: number;
  readonly capacity: number;
  readonly tensors: Record<string, ort.Tensor>;
}

/**
 * Free slots are added in blocks of this many positions: the copy into a larger buffer happens once per block,
 * and attention over free (masked) slots wastes at most a block of work per step.
 */
export const KV_BLOCK = 64;

/** Capacity for `needed` positions: the next multiple of `block`. */
export function capacityFor(needed: number, block = KV_BLOCK): number {
  return Math.ceil(needed / block) * block;
}

/** A cache with no positions. */
export function emptyKvCache(names: readonly string[], batch: number, kvHeads: number, headDim: number, type: Float): KvCache {
  const tensors: Record<string, ort.Tensor> = {};
  for (const name of names) tensors[name] = new ort.Tensor(type, type === 'float16' ? new Uint16Array(0) : new Float32Array(0), [batch, kvHeads, 0, headDim]);
  return { batch, length: 0, capacity: 0, tensors };
}

/**
 * A copy of `cache` with `capacity` slots per row (≥ its length), `rows` choosing and ordering its batch rows
 * (a row may repeat: tiling one prefill to n samples).
 */
export function reshapeCache(cache: KvCache, rows: readonly number[], capacity: number): KvCache {
  if (capacity < cache.length) throw new EvolmmError('INTERNAL', `KV capacity ${capacity} is below the cache length ${cache.length}`);
  for (const r of rows) {
    if (!(Number.isInteger(r) && r >= 0 && r < cache.batch)) throw new EvolmmError('INTERNAL', `KV row ${r} is outside batch ${cache.batch}`);
  }
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(cache.tensors)) {
    const [, kvh, , hd] = t.dims as [number, number, number, number];
    const src = t.data as FloatArray;
    const dst = new (src.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(rows.length * kvh * capacity * hd);
    const used = cache.length * hd;
    rows.forEach((r, i) => {
      for (let h = 0; h < kvh; h++) {
        const from = (r * kvh + h) * cache.capacity * hd;
        dst.set(src.subarray(from, from + used), (i * kvh + h) * capacity * hd);
      }
    });
    tensors[name] = new ort.Tensor(t.type as Float, dst, [rows.length, kvh, capacity, hd]);
  }
  return { batch: rows.length, length: cache.length, capacity, tensors };
}

/** Repeats a batch-1 cache `n` times with room for `capacity` positions: the prompt is prefilled once and shared. */
export function tileCache(cache: KvCache, n: number, capacity = cache.capacity): KvCache {
  if (cache.batch !== 1) throw new EvolmmError('INTERNAL', `tileCache expects a batch-1 cache, found batch ${cache.batch}`);
  return reshapeCache(cache, new Array(n).fill(0), Math.max(capacity, cache.length));
}

/** Keeps batch rows `rows` (in that order): finished samples leave the batch so they cost nothing. */
export function selectRows(cache: KvCache, rows: readonly number[]): KvCache {
  return reshapeCache(cache, rows, cache.capacity);
}

/**
 * The decoder's attention_mask for a call of `s` new tokens after a cache with free slots: the graph sees
 * capacity + s key positions; the free slots [length, capacity) are marked as padding, so they get no weight.
 */
export function cacheMask(cache: KvCache, s: number): ort.Tensor {
  const total = cache.capacity + s;
  const row = new BigInt64Array(total);
  row.fill(1n, 0, cache.length);
  row.fill(1n, cache.capacity);
  const mask = new BigInt64Array(cache.batch * total);
  for (let b = 0; b < cache.batch; b++) mask.set(row, b * total);
  return new ort.Tensor('int64', mask, [cache.batch, total]);
}

/**
 * Writes the rows a decoder call returned (`fresh[name]` [b, kvh, s, hd] under the cache tensor's name) at
 * [length, length + s), growing the buffers by whole blocks first when they are full. Returns the cache after the
 * call; the input cache's buffers are reused.
 */
export function appendRows(cache: KvCache, fresh: Record<string, ort.Tensor>, s: number, block = KV_BLOCK): KvCache {
  const grown = cache.length + s > cache.capacity ? reshapeCache(cache, [...Array(cache.batch).keys()], capacityFor(cache.length + s, block)) : cache;
  for (const [name, t] of Object.entries(grown.tensors)) {
    const rows = fresh[name];
    if (!rows) throw new EvolmmError('INTERNAL', `the decoder returned no new rows for ${name}`);
    const [, kvh, , hd] = t.dims as [number, number, number, number];
    const src = rows.data as FloatArray;
    const dst = t.data as FloatArray;
    if (src.constructor !== dst.constructor) throw new EvolmmError('MODEL_FORMAT', `new rows for ${name} are ${rows.type} but the cache is ${t.type}`);
    if (src.length !== grown.batch * kvh * s * hd) throw new EvolmmError('MODEL_FORMAT', `new rows for ${name} have dims [${rows.dims}]; expected [${grown.batch}, ${kvh}, ${s}, ${hd}]`);
    for (let bh = 0; bh < grown.batch * kvh; bh++) {
      dst.set(src.subarray(bh * s * hd, (bh + 1) * s * hd), (bh * grown.capacity + cache.length) * hd);
    }
  }
  return { batch: grown.batch, length: cache.length + s, capacity: grown.capacity, tensors: grown.tensors };
}

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createRng } from '@evolmm/core';
import { createTfjsBackend } from './backend.js';

/** Slice by the definition: every output index maps to input index + begin (naive, any rank). */
function naiveSlice(src: ArrayLike<number>, shape: number[], begin: number[], size: number[]): number[] {
  const out: number[] = [];
  const total = size.reduce((a, c) => a * c, 1);
  for (let i = 0; i < total; i++) {
    let rem = i;
    let off = 0;
    let stride = 1;
    const loc: number[] = [];
    for (let d = size.length - 1; d >= 0; d--) {
      loc[d] = rem % size[d];
      rem = Math.floor(rem / size[d]);
    }
    for (let d = shape.length - 1; d >= 0; d--) {
      off += (loc[d] + begin[d]) * stride;
      stride *= shape[d];
    }
    out.push(src[off]);
  }
  return out;
}

describe('patched wasm Slice (copies only the slice)', () => {
  beforeAll(async () => {
    const b = await createTfjsBackend({ backend: 'wasm', log: false });
    expect(b.name).toBe('wasm');
  });

  it('equals the definition for ranks 1–5, partial and whole dimensions, float32/int32/bool', () => {
    const rng = createRng(5);
    let checked = 0;
    for (let trial = 0; trial < 120; trial++) {
      const rank = 1 + (trial % 5);
      const shape = Array.from({ length: rank }, () => 1 + rng.nextInt(5));
      const begin = shape.map((d) => rng.nextInt(d));
      // some dimensions whole (exercises the merged contiguous runs), some partial, some -1 ("to the end")
      const size = shape.map((d, i) => (rng.next() < 0.3 ? d - begin[i] : rng.next() < 0.2 ? -1 : 1 + rng.nextInt(d - begin[i])));
      const resolved = size.map((s, i) => (s === -1 ? shape[i] - begin[i] : s));
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const n = shape.reduce((a, c) => a * c, 1);
        const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? i % 3 === 0 ? 1 : 0 : dtype === 'int32' ? i * 7 - 50 : i * 0.5 - 3.25));
        const x = tf.tensor(values, shape, dtype);
        const y = tf.slice(x, begin, size);
        expect(y.shape).toEqual(resolved);
        expect(Array.from(y.dataSync())).toEqual(naiveSlice(values, shape, begin, resolved));
        tf.dispose([x, y]);
        checked++;
      }
    }
    expect(checked).toBe(360);
  });

  it('slices a large tensor and keeps the gradient of slice working', () => {
    const x = tf.tensor2d(Float32Array.from({ length: 4096 * 64 }, (_, i) => i % 1000), [4096, 64]);
    // the stock kernel starts with readSync(x), a copy of the whole input; the patched one never reads it out
    const readSync = vi.spyOn(tf.backend() as unknown as { readSync: (id: unknown) => unknown }, 'readSync');
    const y = tf.slice(x, [1000, 8], [3, 4]);
    expect(readSync).not.toHaveBeenCalled();
    readSync.mockRestore();
    expect(Array.from(y.dataSync())).toEqual(naiveSlice(x.dataSync(), [4096, 64], [1000, 8], [3, 4]));
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.slice(t, [1, 0], [2, 3]), 2)))(tf.ones([4, 3]));
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 2, 2, 2, 2, 2, 2, 0, 0, 0]);
    tf.dispose([x, y, g]);
  });
});

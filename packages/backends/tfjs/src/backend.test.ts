import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { EvolmmError } from '@evolmm/core';
import { createTfjsBackend } from './backend.js';

describe('createTfjsBackend', () => {
  it("'auto' falls through the missing native packages to wasm and says why", async () => {
    const b = await createTfjsBackend({ backend: 'auto', log: false });
    expect(b.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(b.skipped.join('\n')).toMatch(/tfjs-node-gpu/);
    expect(b.skipped.join('\n')).toMatch(/tfjs-node:/);
  });

  it("'gpu' without @tensorflow/tfjs-node-gpu is a BACKEND_UNAVAILABLE error that names the package", async () => {
    const err = await createTfjsBackend({ backend: 'gpu', log: false }).catch((e) => e);
    expect(EvolmmError.isInstance(err) && err.code).toBe('BACKEND_UNAVAILABLE');
    expect(String(err.message)).toMatch(/tfjs-node-gpu/);
  });

  it('rejects unknown backend names', async () => {
    await expect(createTfjsBackend({ backend: 'metal' as never, log: false })).rejects.toThrow(/auto, gpu, native, wasm, cpu/);
  });

  it('the wasm UnsortedSegmentSum patch gives the cpu gradient of gather (runtime.md §1.4 item 1)', async () => {
    const grad = () =>
      tf.tidy(() => {
        const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
        const idx = tf.tensor1d([3, 0, 3, 1, 2], 'int32');
        const w = tf.tensor2d([1, -2, 3, 0.5, 2, 2, -1, 4, 0.25, 1], [5, 2]);
        return Array.from(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.gather(a, idx), w)))(x).dataSync());
      });
    await createTfjsBackend({ backend: 'wasm', log: false });
    const wasm = grad();
    await tf.setBackend('cpu');
    const cpu = grad();
    await tf.setBackend('wasm');
    expect(wasm).toEqual(cpu);
    expect(cpu).toEqual([3, 0.5, -1, 4, 0.25, 1, 3, 0]); // row r sums the w rows that gathered it
  });
});

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicySample } from '@evolmm/core';
import type { PreparedInput } from '@evolmm/qwen-vl';
import { imageMessages, maxAbsDiff, randomizeAdapter, tempDir, tinyCheckpoint } from './__fixtures__/tiny.js';
import { splitByTokens } from './data-parallel.js';
import { loadTfjsModel, type TfjsQwenModel } from './model.js';

const sample = (n: number, advantage = 1): PolicySample => ({ tokenIds: Array.from({ length: n }, (_, i) => 40 + ((i * 37 + n) % 200)), advantage });

describe('splitByTokens', () => {
  it('covers every sample once, in order, with no empty shard and balanced tokens', () => {
    const cases: Array<[number[], number]> = [
      [[5, 5, 5, 5], 2],
      [[100, 1, 1, 1, 1], 2],
      [[1, 1, 1, 1, 100], 2],
      [[3, 9, 4, 7, 1, 8], 3],
      [[2, 2], 4],
      [[7], 2],
    ];
    for (const [lengths, parts] of cases) {
      const ranges = splitByTokens(lengths.map((n) => sample(n)), parts);
      expect(ranges.length).toBe(Math.min(parts, lengths.length));
      expect(ranges[0][0]).toBe(0);
      expect(ranges.at(-1)![1]).toBe(lengths.length);
      for (let i = 0; i < ranges.length; i++) {
        expect(ranges[i][1]).toBeGreaterThan(ranges[i][0]);
        if (i > 0) expect(ranges[i][0]).toBe(ranges[i - 1][1]);
      }
    }
    expect(splitByTokens([5, 5, 5, 5].map((n) => sample(n)), 2)).toEqual([[0, 2], [2, 4]]);
    expect(splitByTokens([100, 1, 1, 1, 1].map((n) => sample(n)), 2)).toEqual([[0, 1], [1, 5]]);
  });
});

/**
 * Two replicas (this thread + one worker thread) against one: the same statistics and the same updated adapter
 * after several steps, which also checks that the worker receives the adapter's new values every step.
 */
describe('data parallelism over worker threads (qwen2.5-vl, image prompt)', () => {
  const lora = { rank: 4, alpha: 8, dropout: 0 };
  const opts = { backend: 'wasm' as const, logBackend: false, learningRate: 5e-3, lora };
  let single: TfjsQwenModel;
  let parallel: TfjsQwenModel;
  let prepared: PreparedInput;
  const samples = [sample(6, 0.9), sample(3, -0.4), sample(5, 0.2), sample(2, -0.7), sample(4, 0.1)];
  beforeAll(async () => {
    const dir = await tinyCheckpoint('qwen2.5-vl');
    single = await loadTfjsModel(dir, opts);
    parallel = await loadTfjsModel(dir, { ...opts, dataParallel: 2 });
    prepared = await single.prepare(imageMessages());
  }, 120_000);
  afterAll(async () => {
    await single?.dispose();
    await parallel?.dispose();
  });

  it('steps equal the single-thread steps (β > 0, three updates)', async () => {
    for (let step = 0; step < 3; step++) {
      const batch = { adapter: 'default', beta: 0.2, samples };
      const a = await single.stepPrepared(prepared, batch);
      const b = await parallel.stepPrepared(prepared, batch);
      expect(b.tokens).toBe(a.tokens);
      expect(b.loss).toBeCloseTo(a.loss, 5);
      expect(b.gradNorm).toBeCloseTo(a.gradNorm, 4);
      expect(maxAbsDiff(b.nll, a.nll)).toBeLessThan(1e-5);
      expect(maxAbsDiff(b.kl, a.kl)).toBeLessThan(1e-6);
      if (step > 0) expect(Math.max(...a.kl)).toBeGreaterThan(0); // the worker's reference pass is live too
    }
    const wa = single.adapterWeights('default');
    for (const [k, v] of parallel.adapterWeights('default')) expect(maxAbsDiff(v, wa.get(k)!)).toBeLessThan(1e-6);
    expect([...wa.values()].some((v) => v.some((x) => x !== 0))).toBe(true);
  }, 120_000);

  it('a loaded adapter of another rank reaches the worker (replica re-creates it)', async () => {
    const other = await loadTfjsModel(await tinyCheckpoint('qwen2.5-vl'), { ...opts, lora: { ...lora, rank: 2 } });
    const dir = path.join(tempDir('dp-adapter'), 'proposer');
    try {
      randomizeAdapter(other, 'proposer', 11);
      await other.saveAdapter('proposer', dir);
    } finally {
      await other.dispose();
    }
    await single.loadAdapter('proposer', dir);
    await parallel.loadAdapter('proposer', dir);
    const batch = { adapter: 'proposer', beta: 0.1, samples: samples.slice(0, 3) };
    const a = await single.stepPrepared(prepared, batch);
    const b = await parallel.stepPrepared(prepared, batch);
    expect(b.loss).toBeCloseTo(a.loss, 5);
    expect(maxAbsDiff(b.nll, a.nll)).toBeLessThan(1e-5);
    const wa = single.adapterWeights('proposer');
    for (const [k, v] of parallel.adapterWeights('proposer')) expect(maxAbsDiff(v, wa.get(k)!)).toBeLessThan(1e-6);
  }, 120_000);

  it('rejects a dataParallel that is not a positive integer', async () => {
    await expect(loadTfjsModel(await tinyCheckpoint('qwen2.5-vl'), { ...opts, dataParallel: 0 })).rejects.toThrow(/dataParallel must be an integer ≥ 1/);
  });
});

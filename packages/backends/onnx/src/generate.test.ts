import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolmmError } from '@evolmm/core';
import { logSoftmaxAt } from '@evolmm/qwen-vl';
import { loadOnnxModel, type OnnxModel } from './onnx-model.js';
import { OnnxRunner, tileCache } from './onnx-runner.js';
import { extendPrepared, imagePrompt, maxAbsDiff, quiet, scratch, TEXT_PROMPT, tinyExport, VARIANTS } from './__fixtures__/tiny.js';

const tmp = scratch('gen');
afterAll(() => tmp.cleanup());

describe.each(VARIANTS)('generation with the KV cache (%s)', (variant) => {
  let model: OnnxModel;
  let tmpOut = '';
  beforeAll(async () => {
    const { out } = await tinyExport(tmp.dir, variant, { checkpoint: { seed: 5 } });
    tmpOut = out;
    model = await loadOnnxModel(out, quiet);
  });
  afterAll(() => model?.dispose());

  // Three cache paths: in place with the default block, in place growing every other token (block 2: several
  // regrowths, and free slots that must stay masked), and the whole `present` cache fed back (transformers.js's way).
  it.each([
    ['in place', {}],
    ['in place, block 2', { kvBlock: 2 }],
    ['returned present', { kvInPlace: false }],
  ] as const)('incremental decode logits equal full-sequence logits (%s; prefill once, batch tiled, image prompt)', async (_label, kvCache) => {
    const m = Object.keys(kvCache).length === 0 ? model : await loadOnnxModel(tmpOut, { ...quiet, kvCache });
    try {
      const prepared = await m.processor.prepare(imagePrompt());
      const extra = [40, 41, 260, 7, 99];
      const full = await m.forwardLogits(extendPrepared(prepared, extra));
      const V = full.vocabSize;
      const L = prepared.inputIds.length;
      const runner: OnnxRunner = m.runner;
      expect(runner.inPlace).toBe(true); // our export offers new_key_values
      const pre = await runner.decode(await runner.promptEmbeds(prepared), prepared.positionIds, runner.emptyCache(1), 1);
      expect(maxAbsDiff(pre.logits, full.logits.subarray((L - 1) * V, L * V))).toBeLessThan(1e-4);
      // two identical rows decoding the same tokens from one tiled prefill
      let cache = tileCache(pre.cache, 2);
      const capacities = new Set<number>();
      for (let j = 0; j < extra.length; j++) {
        const p = [L + j + prepared.ropeDelta, L + j + prepared.ropeDelta];
        const out = await runner.decode(await runner.embedTokens([extra[j], extra[j]], 2), [p, p, p], cache, 1);
        const want = full.logits.subarray((L + j) * V, (L + j + 1) * V);
        expect(maxAbsDiff(out.logits.subarray(0, V), want)).toBeLessThan(1e-4);
        expect(maxAbsDiff(out.logits.subarray(V, 2 * V), want)).toBeLessThan(1e-4);
        cache = out.cache;
        capacities.add(cache.capacity);
        expect(cache.capacity).toBeGreaterThanOrEqual(cache.length);
      }
      expect(cache.length).toBe(L + extra.length);
      if ('kvInPlace' in kvCache) expect(cache.capacity).toBe(cache.length);
      else if ('kvBlock' in kvCache) expect(capacities.size).toBeGreaterThanOrEqual(2);
      else expect(cache.capacity % 64).toBe(0);
    } finally {
      if (m !== model) await m.dispose();
    }
  });

  it('per-token logprobs of every sample match a full forward pass of its own tokens', async () => {
    const req = { messages: imagePrompt(), n: 4, maxNewTokens: 8, temperature: 1, seed: 11, logprobs: true } as const;
    const first = await model.generate(req);
    // A stop string taken from sample 0 makes some samples stop early and leave the batch (row compaction path).
    const stopText = first[0].text.slice(2, 3);
    expect(stopText.length).toBe(1);
    const outs = await model.generate({ ...req, stop: [stopText] });
    expect(outs[0].finishReason).toBe('stop');
    expect(outs[0].text).not.toContain(stopText);
    expect(outs.some((c) => c.finishReason === 'length' && c.tokenIds.length === 8)).toBe(true);
    const prepared = await model.processor.prepare(req.messages);
    const L = prepared.inputIds.length;
    for (const c of outs) {
      expect(c.logprobs).toHaveLength(c.tokenIds.length);
      const full = await model.forwardLogits(extendPrepared(prepared, c.tokenIds));
      const V = full.vocabSize;
      c.tokenIds.forEach((tok, j) => {
        expect(c.logprobs![j]).toBeCloseTo(logSoftmaxAt(full.logits.subarray((L - 1 + j) * V, (L + j) * V), tok), 4);
      });
    }
  });

  it('generates the same samples with the cache in place as with the returned cache (stop strings compact the batch)', async () => {
    const reference = await loadOnnxModel(tmpOut, { ...quiet, kvCache: { kvInPlace: false } });
    const small = await loadOnnxModel(tmpOut, { ...quiet, kvCache: { kvBlock: 3 } });
    try {
      const req = { messages: imagePrompt(), n: 4, maxNewTokens: 9, temperature: 1, seed: 3, logprobs: true } as const;
      const first = await reference.generate(req);
      const withStop = { ...req, stop: [first[1].text.slice(1, 2)] };
      const want = await reference.generate(withStop);
      expect(want.some((c) => c.finishReason === 'stop')).toBe(true);
      for (const m of [model, small]) {
        const got = await m.generate(withStop);
        expect(got.map((c) => c.tokenIds)).toEqual(want.map((c) => c.tokenIds));
        got.forEach((c, i) => c.logprobs!.forEach((lp, j) => expect(lp).toBeCloseTo(want[i].logprobs![j], 4)));
      }
    } finally {
      await reference.dispose();
      await small.dispose();
    }
  });

  it('is deterministic for a seed, diverse across samples and seeds; greedy samples agree', async () => {
    const req = { messages: TEXT_PROMPT, n: 4, maxNewTokens: 10, temperature: 1, seed: 42 } as const;
    const a = await model.generate(req);
    const b = await model.generate(req);
    expect(a).toEqual(b);
    expect(new Set(a.map((c) => c.tokenIds.join(','))).size).toBeGreaterThan(1);
    const c = await model.generate({ ...req, seed: 43 });
    expect(c.map((x) => x.tokenIds)).not.toEqual(a.map((x) => x.tokenIds));
    // sample i uses stream (seed, i): sample 2 of n=4 equals the third sample of any n ≥ 3
    const three = await model.generate({ ...req, n: 3 });
    expect(three[2]).toEqual(a[2]);
    const greedy = await model.generate({ ...req, temperature: 0 });
    expect(new Set(greedy.map((x) => x.tokenIds.join(','))).size).toBe(1);
    for (const g of greedy) {
      expect(g.tokenIds).toHaveLength(10);
      expect(g.finishReason).toBe('length');
    }
  });

  it('rejects runtime adapters and bad arguments with clear errors', async () => {
    const e1 = await model.generate({ messages: TEXT_PROMPT, adapter: 'default' }).catch((e) => e);
    expect(EvolmmError.isInstance(e1) && e1.code).toBe('UNSUPPORTED');
    expect(e1.message).toMatch(/merge the adapter at export time/);
    const e2 = await model.generate({ messages: TEXT_PROMPT, n: 0 }).catch((e) => e);
    expect(e2.code).toBe('INVALID_ARGUMENT');
    const ac = new AbortController();
    ac.abort();
    const e3 = await model.generate({ messages: TEXT_PROMPT, signal: ac.signal }).catch((e) => e);
    expect(e3.code).toBe('ABORTED');
  });
});

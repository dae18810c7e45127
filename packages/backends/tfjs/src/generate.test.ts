import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvolmmError } from '@evolmm/core';
import { extend, imageMessages, textMessages, tinyCheckpoint } from './__fixtures__/tiny.js';
import { loadTfjsModel, type TfjsQwenModel } from './model.js';

describe('generate (qwen2.5-vl tiny)', () => {
  let model: TfjsQwenModel;
  beforeAll(async () => {
    model = await loadTfjsModel(await tinyCheckpoint('qwen2.5-vl'), { backend: 'wasm', logBackend: false });
  });
  afterAll(() => model.dispose());

  it('same seed → same samples; N samples at temperature 1 differ; greedy samples coincide', async () => {
    const req = { messages: imageMessages(), n: 5, maxNewTokens: 12, seed: 123, temperature: 1 };
    const a = await model.generate(req);
    const b = await model.generate(req);
    expect(a.map((c) => c.tokenIds)).toEqual(b.map((c) => c.tokenIds));
    expect(a.map((c) => c.text)).toEqual(b.map((c) => c.text));
    expect(new Set(a.map((c) => c.tokenIds.join(','))).size).toBeGreaterThan(1);
    const other = await model.generate({ ...req, seed: 124 });
    expect(other.map((c) => c.tokenIds)).not.toEqual(a.map((c) => c.tokenIds));
    const greedy = await model.generate({ ...req, temperature: 0 });
    expect(new Set(greedy.map((c) => c.tokenIds.join(','))).size).toBe(1);
  });

  it('sample i does not depend on n (stream (seed, i)), and logprobs equal a full forward pass', async () => {
    const messages = textMessages('Tell me a story.');
    const five = await model.generate({ messages, n: 5, maxNewTokens: 8, seed: 9, logprobs: true });
    const two = await model.generate({ messages, n: 2, maxNewTokens: 8, seed: 9 });
    expect(two.map((c) => c.tokenIds)).toEqual(five.slice(0, 2).map((c) => c.tokenIds));
    const prepared = await model.prepare(messages);
    const V = model.config.text.vocabSize;
    const P = prepared.inputIds.length;
    const c = five[3];
    expect(c.logprobs).toHaveLength(c.tokenIds.length);
    const logits = await model.forwardLogits(extend(prepared, c.tokenIds));
    c.tokenIds.forEach((tok, j) => {
      const row = logits.subarray((P - 1 + j) * V, (P + j) * V);
      const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      expect(c.logprobs![j]).toBeCloseTo(row[tok] - lse, 4);
    });
  });

  it("finishReason 'length' at maxNewTokens; stop strings cut the text before the first match", async () => {
    const base = { messages: textMessages(), n: 1, maxNewTokens: 16, seed: 5, temperature: 0.7 };
    const [c] = await model.generate(base);
    // Random weights rarely emit <|im_end|> in 16 tokens at this seed; the test needs a long text.
    expect(c.finishReason).toBe('length');
    expect(c.tokenIds).toHaveLength(16);
    const stop = c.text.slice(4, 6);
    const [s] = await model.generate({ ...base, stop: [stop] });
    expect(s.finishReason).toBe('stop');
    expect(s.text).toBe(c.text.slice(0, c.text.indexOf(stop)));
    expect(s.tokenIds).toEqual(c.tokenIds.slice(0, s.tokenIds.length));
    expect(s.tokenIds.length).toBeLessThan(16);
  });

  it("the end-of-turn token stops a sample and is kept in tokenIds (D7)", async () => {
    const eot = model.endOfTurnTokenId;
    const text = model.core.weights.text;
    const { lmHead, embedRows } = text;
    // A separate lm head whose <|im_end|> logit dominates every other; embeddings keep the original values.
    const fast = lmHead.layout === 'fast'; // M [D, V] when fast, Mᵀ [V, D] when compact
    const boosted = tf.tidy(() => {
      const V = fast ? lmHead.t.shape[1] : lmHead.t.shape[0];
      const mask = tf.oneHot(tf.tensor1d([eot], 'int32'), V).cast('float32').reshape(fast ? [1, V] : [V, 1]);
      return tf.mul(lmHead.t, tf.add(tf.onesLike(mask), tf.mul(mask, 1000))) as tf.Tensor2D;
    });
    const rows = embedRows ?? (fast ? (tf.transpose(lmHead.t) as tf.Tensor2D) : lmHead.t);
    text.lmHead = { t: boosted, layout: lmHead.layout };
    text.embedRows = rows;
    try {
      const out = await model.generate({ messages: textMessages(), n: 3, maxNewTokens: 10, seed: 1 });
      for (const c of out) {
        expect(c.finishReason).toBe('stop');
        expect(c.tokenIds[c.tokenIds.length - 1]).toBe(eot);
        expect(c.text).not.toContain('<|im_end|>');
      }
    } finally {
      text.lmHead = lmHead;
      text.embedRows = embedRows;
      boosted.dispose();
      if (rows !== embedRows && rows !== lmHead.t) rows.dispose();
    }
  });

  it('adapter selection: unknown names are rejected; an aborted signal aborts', async () => {
    await expect(model.generate({ messages: textMessages(), adapter: 'solver' })).rejects.toThrow(/unknown adapter 'solver'/);
    const ac = new AbortController();
    ac.abort();
    const err = await model.generate({ messages: textMessages(), signal: ac.signal }).catch((e) => e);
    expect(EvolmmError.isInstance(err) && err.code).toBe('ABORTED');
  });

  it('tensor count stays flat over 20 generate + step calls', async () => {
    const messages = imageMessages('Count the shapes.');
    const run = async (i: number) => {
      const out = await model.generate({ messages, n: 3, maxNewTokens: 4, seed: i, adapter: i % 2 ? 'proposer' : 'default' });
      await model.step({
        adapter: i % 2 ? 'proposer' : 'default',
        messages,
        beta: i % 3 === 0 ? 0 : 1e-3,
        samples: out.map((c, k) => ({ tokenIds: c.tokenIds, advantage: k - 1 })),
      });
    };
    await run(0); // first calls create optimizer state and the vision cache
    await run(1);
    const before = tf.memory().numTensors;
    for (let i = 2; i < 20; i++) await run(i);
    expect(tf.memory().numTensors).toBe(before);
  });
});

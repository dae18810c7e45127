import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extend, imageMessages, maxAbsDiff, randomizeAdapter, textMessages, tinyCheckpoint } from './__fixtures__/tiny.js';
import { DecodeSession } from './generate.js';
import { loadTfjsModel, type TfjsQwenModel } from './model.js';

for (const variant of ['qwen2.5-vl', 'qwen2-vl'] as const) {
  describe(`KV-cache decoding = full forward (${variant})`, () => {
    let model: TfjsQwenModel;
    beforeAll(async () => {
      model = await loadTfjsModel(await tinyCheckpoint(variant), { backend: 'wasm', logBackend: false, lora: { dropout: 0 } });
      randomizeAdapter(model, 'default', 5);
    });
    afterAll(() => model.dispose());

    for (const [label, messages] of [['text only', textMessages()], ['with an image', imageMessages()]] as const) {
      it(`${label}: prefill + batched decode of two continuations, dropping a finished row`, async () => {
        const prepared = await model.prepare(messages);
        const V = model.config.text.vocabSize;
        const P = prepared.inputIds.length;
        const conts = [
          [72, 101, 108, 108],
          [33, 300, 64, 7],
        ];
        const full = await Promise.all(conts.map((c) => model.forwardLogits(extend(prepared, c))));
        const row = (f: Float32Array, i: number) => f.subarray(i * V, (i + 1) * V);
        const session = new DecodeSession(model.core, model.core.resolveAdapter('default'));
        try {
          const first = session.prefill(prepared);
          expect(maxAbsDiff(first, row(full[0], P - 1))).toBeLessThan(1e-4);
          // Two decode steps with both rows, sharing the prompt cache.
          for (let j = 0; j < 2; j++) {
            const out = session.decode(conts.map((c) => c[j]), j === 0 ? undefined : [0, 1]);
            for (let r = 0; r < 2; r++) expect(maxAbsDiff(out.subarray(r * V, (r + 1) * V), row(full[r], P + j))).toBeLessThan(1e-4);
          }
          // Row 0 finishes; row 1 continues alone (its cache rows are gathered).
          for (let j = 2; j < 4; j++) {
            const out = session.decode([conts[1][j]], [j === 2 ? 1 : 0]);
            expect(maxAbsDiff(out, row(full[1], P + j))).toBeLessThan(1e-4);
          }
        } finally {
          session.dispose();
        }
        // The adapter really changes the logits (so the comparison covered the LoRA path).
        const base = await model.forwardLogits(prepared, { adapter: 'none' });
        const withLora = await model.forwardLogits(prepared);
        expect(maxAbsDiff(base, withLora)).toBeGreaterThan(1e-3);
      });
    }
  });
}

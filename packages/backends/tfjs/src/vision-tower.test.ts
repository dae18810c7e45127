import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelRegistry } from '@evolmm/core';
import type { PreparedInput, QwenVLConfig } from '@evolmm/qwen-vl';
import { imageMessages, maxAbsDiff, tinyCheckpoint } from './__fixtures__/tiny.js';
import { tfjsModelFactory } from './factory.js';
import { loadTfjsModel, type TfjsQwenModel } from './model.js';
import { encodeImages } from './vision-tower.js';

describe('vision tower (qwen2.5-vl tiny, 12×16 patches = 2×2 windows)', () => {
  let model: TfjsQwenModel;
  let prepared: PreparedInput;
  beforeAll(async () => {
    model = await loadTfjsModel(await tinyCheckpoint('qwen2.5-vl'), { backend: 'wasm', logBackend: false, lora: false });
    prepared = await model.prepare(imageMessages());
  });
  afterAll(() => model.dispose());

  const encode = (cfg: QwenVLConfig): Float32Array => {
    const t = encodeImages(model.core.weights.vision!, cfg, prepared.pixelValues!, prepared.imageGridThw);
    const d = t.dataSync() as Float32Array;
    t.dispose();
    return d;
  };

  it('window reordering is undone exactly: with every block full-attention, windowed order = natural order', () => {
    const cfg = model.config;
    expect(prepared.imageGridThw).toEqual([[1, 12, 16]]);
    const allFull = { ...cfg, vision: { ...cfg.vision, fullattBlockIndexes: [0, 1] } };
    const noWindows = { ...cfg, vision: { ...cfg.vision, windowSize: null, fullattBlockIndexes: [0, 1] } };
    const a = encode(allFull);
    const b = encode(noWindows);
    expect(a.length).toBe(48 * cfg.text.hiddenSize);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
    // Window attention in block 0 (the real config) really restricts attention.
    expect(maxAbsDiff(encode(cfg), b)).toBeGreaterThan(1e-3);
  });

  it('visual features replace the image-pad embeddings and change the logits', async () => {
    const withImage = await model.forwardLogits(prepared);
    const blank = { ...prepared, pixelValues: prepared.pixelValues!.map(() => 0) };
    const withBlank = await model.forwardLogits(blank);
    expect(maxAbsDiff(withImage, withBlank)).toBeGreaterThan(1e-3);
  });
});

describe('registry factory', () => {
  it("resolves 'tfjs:<folder>' to a TrainablePolicy", async () => {
    const dir = await tinyCheckpoint('qwen2-vl');
    const registry = createModelRegistry({ tfjs: tfjsModelFactory });
    const model = (await registry.resolve(`tfjs:${dir}`, { backend: 'wasm', logBackend: false })) as TfjsQwenModel;
    try {
      expect(model.id).toBe(`tfjs:${dir}`);
      expect(model.specificationVersion).toBe('v1');
      expect(model.adapters).toEqual(['default', 'proposer']);
      expect(model.endOfTurnTokenId).toBe(model.core.processor.tokenizer.tokenId('<|im_end|>'));
      expect(model.encode('hello world')).toHaveLength(2);
      const out = await model.generate({ messages: [{ role: 'user', content: 'hi' }], n: 2, maxNewTokens: 3, seed: 1 });
      expect(out).toHaveLength(2);
    } finally {
      await model.dispose();
    }
  });
});

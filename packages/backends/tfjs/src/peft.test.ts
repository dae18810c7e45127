import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, type PreparedInput } from '@evolmm/qwen-vl';
import { imageMessages, maxAbsDiff, randomizeAdapter, tempDir, tinyCheckpoint } from './__fixtures__/tiny.js';
import { loadTfjsModel, type TfjsQwenModel } from './model.js';

const tmp = () => tempDir('evolmm-tfjs-peft-');

describe('PEFT adapters, merging, checkpoints (qwen2.5-vl tiny)', () => {
  let dir: string;
  let model: TfjsQwenModel;
  let prepared: PreparedInput;
  beforeAll(async () => {
    dir = await tinyCheckpoint('qwen2.5-vl');
    model = await loadTfjsModel(dir, { backend: 'wasm', logBackend: false, lora: { rank: 4, alpha: 8, dropout: 0 } });
    randomizeAdapter(model, 'default', 3);
    prepared = await model.prepare(imageMessages());
  });
  afterAll(() => model.dispose());

  it('writes the PEFT layout and round-trips through loadAdapter', async () => {
    const out = tmp();
    await model.saveAdapter('default', out);
    const cfg = JSON.parse(fs.readFileSync(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 4, lora_alpha: 8, base_model_name_or_path: dir });
    // A regex over language-model modules only: PEFT full-matches it, so vision MLPs are not targeted (D5).
    const re = new RegExp(`^(?:${cfg.target_modules})$`);
    expect(re.test('model.layers.3.self_attn.q_proj')).toBe(true);
    expect(re.test('model.language_model.layers.0.mlp.down_proj')).toBe(true);
    expect(re.test('visual.blocks.0.mlp.gate_proj')).toBe(false);
    const { tensors } = readSafetensors(path.join(out, 'adapter_model.safetensors'));
    const t = model.config.text;
    expect(tensors.size).toBe(t.numHiddenLayers * 7 * 2);
    expect(tensors.get('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight')!.shape).toEqual([4, t.hiddenSize]);
    expect(tensors.get('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight')!.shape).toEqual([t.hiddenSize, 4]);

    await model.loadAdapter('proposer', out);
    const a = await model.forwardLogits(prepared, { adapter: 'default' });
    const b = await model.forwardLogits(prepared, { adapter: 'proposer' });
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(maxAbsDiff(a, await model.forwardLogits(prepared, { adapter: 'none' }))).toBeGreaterThan(1e-3);
  });

  it('merged weights give the adapter forward (1e-4)', async () => {
    const out = tmp();
    await model.mergeAdapter('default', out);
    for (const f of ['config.json', 'tokenizer.json', 'preprocessor_config.json', 'model.safetensors']) {
      expect(fs.existsSync(path.join(out, f))).toBe(true);
    }
    const merged = await loadTfjsModel(out, { backend: 'wasm', logBackend: false, lora: false });
    try {
      const m = await merged.forwardLogits(prepared, { adapter: 'none' });
      const a = await model.forwardLogits(prepared, { adapter: 'default' });
      expect(maxAbsDiff(m, a)).toBeLessThan(1e-4);
    } finally {
      await merged.dispose();
    }
  });

  it('checkpoint resume: k steps + save + load + (n−k) steps = n steps straight', async () => {
    const opts = { backend: 'wasm' as const, logBackend: false, learningRate: 1e-2, lora: { rank: 4, alpha: 8, dropout: 0.1 } };
    const batch = (i: number) => ({
      adapter: i % 2 ? 'proposer' : 'default',
      beta: 0.05,
      samples: [
        { tokenIds: [40 + i, 41, 42], advantage: 1 },
        { tokenIds: [7, 8 + i], advantage: -0.5 },
      ],
    });
    const straight = await loadTfjsModel(dir, opts);
    const resumed = await loadTfjsModel(dir, opts);
    const ck = path.join(tmp(), 'step_00002');
    try {
      const statsA: number[] = [];
      for (let i = 0; i < 4; i++) statsA.push((await straight.stepPrepared(prepared, batch(i))).loss);
      const statsB: number[] = [];
      for (let i = 0; i < 2; i++) statsB.push((await resumed.stepPrepared(prepared, batch(i))).loss);
      await resumed.saveCheckpoint(ck);
      await resumed.saveCheckpoint(ck); // overwriting an existing checkpoint is atomic too
      expect(fs.readdirSync(path.dirname(ck))).toEqual(['step_00002']);
      await resumed.dispose();
      const again = await loadTfjsModel(dir, { ...opts, seed: 777 }); // different init: everything comes from ck
      try {
        await again.loadCheckpoint(ck);
        for (let i = 2; i < 4; i++) statsB.push((await again.stepPrepared(prepared, batch(i))).loss);
        expect(statsB).toEqual(statsA);
        for (const name of ['default', 'proposer']) {
          const wa = straight.adapterWeights(name);
          const wb = again.adapterWeights(name);
          for (const [k, v] of wa) expect(Array.from(wb.get(k)!)).toEqual(Array.from(v));
        }
        const g1 = await straight.generate({ messages: imageMessages(), n: 2, maxNewTokens: 5 });
        const g2 = await again.generate({ messages: imageMessages(), n: 2, maxNewTokens: 5 });
        expect(g2.map((c) => c.tokenIds)).toEqual(g1.map((c) => c.tokenIds)); // seed stream restored
      } finally {
        await again.dispose();
      }
    } finally {
      await straight.dispose();
    }
  });

  it('gradient accumulation: k calls with the same batch = one update with their mean gradient', async () => {
    const opts = { backend: 'wasm' as const, logBackend: false, learningRate: 1e-2, lora: { rank: 4, alpha: 8, dropout: 0 } };
    const one = await loadTfjsModel(dir, opts);
    const acc = await loadTfjsModel(dir, { ...opts, gradientAccumulationSteps: 2 });
    try {
      const b = { adapter: 'default', beta: 0.1, samples: [{ tokenIds: [3, 4, 5], advantage: 1 }] };
      await one.stepPrepared(prepared, b);
      const before = acc.adapterWeights('default');
      await acc.stepPrepared(prepared, b);
      for (const [k, v] of acc.adapterWeights('default')) expect(Array.from(v)).toEqual(Array.from(before.get(k)!)); // no update yet
      await acc.stepPrepared(prepared, b);
      const wa = one.adapterWeights('default');
      for (const [k, v] of acc.adapterWeights('default')) expect(maxAbsDiff(v, wa.get(k)!)).toBeLessThan(1e-7);
    } finally {
      await one.dispose();
      await acc.dispose();
    }
  });
});

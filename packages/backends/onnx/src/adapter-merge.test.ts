import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng, EvolmmError } from '@evolmm/core';
import { createCheckpoint, readSafetensors, writeSafetensors, type TensorToWrite } from '@evolmm/qwen-vl';
import { peftTargetName } from './adapter-merge.js';
import { exportOnnx } from './export-onnx.js';
import { loadOnnxModel } from './onnx-model.js';
import { imagePrompt, maxAbsDiff, quiet, scratch } from './__fixtures__/tiny.js';

const tmp = scratch('adapter');
afterAll(() => tmp.cleanup());

describe('peftTargetName', () => {
  it('maps PEFT names to canonical base weights', () => {
    expect(peftTargetName('base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight')).toEqual({ base: 'model.layers.3.self_attn.q_proj.weight', role: 'a' });
    expect(peftTargetName('base_model.model.model.language_model.layers.0.mlp.up_proj.lora_B.weight')).toEqual({ base: 'model.layers.0.mlp.up_proj.weight', role: 'b' });
    expect(peftTargetName('base_model.model.model.visual.blocks.1.attn.qkv.lora_A.default.weight')).toEqual({ base: 'visual.blocks.1.attn.qkv.weight', role: 'a' });
    expect(peftTargetName('base_model.model.lm_head.weight')).toBeNull();
  });
});

describe('exportOnnx with a LoRA adapter', () => {
  it('changes outputs exactly as merging W + α/r·B·A into a copy of the checkpoint by hand', async () => {
    const hf = join(tmp.dir, 'hf');
    const { config } = await createCheckpoint(hf, { variant: 'qwen2.5-vl', seed: 9 });
    const r = 4;
    const alpha = 8;
    const H = config.text.hiddenSize;
    const targets = [
      { mod: 'self_attn.q_proj', out: config.text.numAttentionHeads * config.text.headDim },
      { mod: 'self_attn.v_proj', out: config.text.numKeyValueHeads * config.text.headDim },
      { mod: 'mlp.down_proj', out: H, inDim: config.text.intermediateSize },
    ];
    const rng = createRng(123);
    const rand = (n: number, scale: number) => Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
    const adapterDir = join(tmp.dir, 'adapter');
    mkdirSync(adapterDir, { recursive: true });
    const tensors: TensorToWrite[] = [];
    const deltas = new Map<string, { A: Float32Array; B: Float32Array; out: number; inDim: number }>();
    for (let layer = 0; layer < config.text.numHiddenLayers; layer++) {
      for (const t of targets) {
        const inDim = t.inDim ?? H;
        const A = rand(r * inDim, 0.3);
        const B = rand(t.out * r, 0.3);
        const peft = `base_model.model.model.layers.${layer}.${t.mod}`;
        tensors.push({ name: `${peft}.lora_A.weight`, dtype: 'F32', shape: [r, inDim], data: A });
        tensors.push({ name: `${peft}.lora_B.weight`, dtype: 'F32', shape: [t.out, r], data: B });
        deltas.set(`model.layers.${layer}.${t.mod}.weight`, { A, B, out: t.out, inDim });
      }
    }
    await writeSafetensors(join(adapterDir, 'adapter_model.safetensors'), tensors);
    writeFileSync(join(adapterDir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r, lora_alpha: alpha, target_modules: ['q_proj', 'v_proj', 'down_proj'] }));

    // The manual merge: a second checkpoint folder whose weights are W + (α/r)·B·A, computed here independently.
    const manual = join(tmp.dir, 'hf-manual');
    cpSync(hf, manual, { recursive: true });
    const base = readSafetensors(join(hf, 'model.safetensors')).tensors;
    const merged: TensorToWrite[] = [];
    for (const [name, t] of base) {
      const d = deltas.get(name);
      const data = Float32Array.from(t.data);
      if (d) {
        for (let o = 0; o < d.out; o++) {
          for (let i = 0; i < d.inDim; i++) {
            let s = 0;
            for (let k = 0; k < r; k++) s += d.B[o * r + k] * d.A[k * d.inDim + i];
            data[o * d.inDim + i] += (alpha / r) * s;
          }
        }
      }
      merged.push({ name, dtype: 'F32', shape: t.shape, data });
    }
    await writeSafetensors(join(manual, 'model.safetensors'), merged);

    await exportOnnx(hf, join(tmp.dir, 'onnx-base'));
    await exportOnnx(hf, join(tmp.dir, 'onnx-adapted'), { adapter: adapterDir });
    await exportOnnx(manual, join(tmp.dir, 'onnx-manual'));
    const [mBase, mAdapted, mManual] = await Promise.all(
      ['onnx-base', 'onnx-adapted', 'onnx-manual'].map((d) => loadOnnxModel(join(tmp.dir, d), quiet)),
    );
    const prepared = await mBase.processor.prepare(imagePrompt());
    const lBase = (await mBase.forwardLogits(prepared)).logits;
    const lAdapted = (await mAdapted.forwardLogits(prepared)).logits;
    const lManual = (await mManual.forwardLogits(prepared)).logits;
    expect(maxAbsDiff(lAdapted, lBase)).toBeGreaterThan(1e-2); // the adapter matters
    expect(maxAbsDiff(lAdapted, lManual)).toBeLessThan(1e-5); // and is exactly W + α/r·B·A
    await Promise.all([mBase, mAdapted, mManual].map((m) => m.dispose()));
  });

  it('rejects adapters that do not fit the model', async () => {
    const hf = join(tmp.dir, 'hf2');
    await createCheckpoint(hf, { variant: 'qwen2-vl' });
    const bad = join(tmp.dir, 'bad-adapter');
    mkdirSync(bad, { recursive: true });
    writeFileSync(join(bad, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4 }));
    await writeSafetensors(join(bad, 'adapter_model.safetensors'), [
      { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', dtype: 'F32', shape: [2, 7], data: new Float32Array(14) },
      { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight', dtype: 'F32', shape: [32, 2], data: new Float32Array(64) },
    ]);
    const err = await exportOnnx(hf, join(tmp.dir, 'x'), { adapter: bad }).catch((e) => e);
    expect(EvolmmError.isInstance(err) && err.code).toBe('MODEL_FORMAT');
    expect(err.message).toMatch(/do not fit the base weight \[32, 32\]/);
    const missing = await exportOnnx(hf, join(tmp.dir, 'y'), { adapter: join(tmp.dir, 'none') }).catch((e) => e);
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toMatch(/adapter_config\.json/);
  });
});

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { EvolmmError } from '@evolmm/core';
import { exportOnnx } from './export-onnx.js';
import { loadOnnxModel } from './onnx-model.js';
import { imagePrompt, maxAbsDiff, quiet, scratch, tinyExport, VARIANTS } from './__fixtures__/tiny.js';

const tmp = scratch('export');
afterAll(() => tmp.cleanup());

describe.each(VARIANTS)('exportOnnx (%s)', (variant) => {
  it('writes the transformers.js layout with static KV dims and both config forms', async () => {
    const { out } = await tinyExport(tmp.dir, variant);
    for (const g of ['vision_encoder', 'embed_tokens', 'decoder_model_merged']) expect(existsSync(join(out, 'onnx', `${g}.onnx`))).toBe(true);
    for (const f of ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']) expect(existsSync(join(out, f))).toBe(true);
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(cfg.model_type).toBe(variant === 'qwen2.5-vl' ? 'qwen2_5_vl' : 'qwen2_vl');
    // docs/runtime.md §4 pitfall: qwen2_5_vl reads only text_config, qwen2_vl only the top level.
    for (const c of [cfg, cfg.text_config]) {
      expect(c).toMatchObject({ hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 8 });
    }
    const dec = await ort.InferenceSession.create(join(out, 'onnx', 'decoder_model_merged.onnx'));
    const meta = (dec as unknown as { inputMetadata: Array<{ name: string; shape: Array<number | string> }> }).inputMetadata;
    const past = meta.find((m) => m.name === 'past_key_values.0.key')!;
    // transformers.js sets every symbolic dim except batch_size to 0 for the first step: kvh, hd must be numbers.
    expect(past.shape).toEqual(['batch_size', 2, 'past_sequence_length', 8]);
    expect(dec.inputNames).toContain('num_logits_to_keep');
    const vis = await ort.InferenceSession.create(join(out, 'onnx', 'vision_encoder.onnx'));
    expect(vis.inputNames).toEqual(['pixel_values', variant === 'qwen2.5-vl' ? 'image_grid_thw' : 'grid_thw']);
    await dec.release();
    await vis.release();
  });

  it('external data gives the same logits as inline weights; fp16 and int8 are smaller with a small logit error', async () => {
    const inline = await tinyExport(tmp.dir, variant, { name: `${variant}-inline` });
    const ext = join(tmp.dir, `ext-${variant}`);
    await exportOnnx(inline.hf, ext, { externalData: 'always' });
    await exportOnnx(inline.hf, ext, { dtype: 'fp16' });
    await exportOnnx(inline.hf, ext, { dtype: 'int8' });
    const dataFile = join(ext, 'onnx', 'decoder_model_merged.onnx_data');
    expect(statSync(dataFile).size).toBeGreaterThan(30_000);
    expect(statSync(join(ext, 'onnx', 'decoder_model_merged.onnx')).size).toBeLessThan(60_000);
    const cfg = JSON.parse(readFileSync(join(ext, 'config.json'), 'utf8'));
    expect(cfg['transformers.js_config'].use_external_data_format['decoder_model_merged.onnx']).toBe(1);

    const a = await loadOnnxModel(inline.out, quiet);
    const b = await loadOnnxModel(ext, { ...quiet, dtype: 'fp32' });
    const h = await loadOnnxModel(ext, { ...quiet, dtype: 'fp16' });
    const q = await loadOnnxModel(ext, { ...quiet, dtype: 'int8' });
    const prepared = await a.processor.prepare(imagePrompt());
    const la = (await a.forwardLogits(prepared)).logits;
    const lb = (await b.forwardLogits(prepared)).logits;
    const lh = (await h.forwardLogits(prepared)).logits;
    const lq = (await q.forwardLogits(prepared)).logits;
    expect(maxAbsDiff(la, lb)).toBe(0);
    const fp16Err = maxAbsDiff(la, lh);
    expect(fp16Err).toBeGreaterThan(0); // it really is a different (rounded) model
    expect(fp16Err).toBeLessThan(5e-2);
    // 8-bit weight blocks and 8-bit activations: larger error than fp16, a few % of the logit range of this
    // 32-wide model (exactness of the int8 layout itself is pinned in graph/int8-weights.test.ts)
    const int8Err = maxAbsDiff(la, lq);
    const range = la.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    expect(int8Err).toBeGreaterThan(fp16Err);
    expect(int8Err).toBeLessThan(0.05 * range);
    // Weight bytes: a file minus the graph structure (the external-data fp32 graph holds only the structure and small
    // constants), so the check does not depend on how many nodes this 32-wide model has.
    const size = (d: string, f: string) => statSync(join(d, 'onnx', f)).size;
    const structure = size(ext, 'decoder_model_merged.onnx');
    const fp32Weights = size(inline.out, 'decoder_model_merged.onnx') - structure;
    expect(size(ext, 'decoder_model_merged_fp16.onnx') - structure).toBeLessThan(0.55 * fp32Weights);
    expect(size(ext, 'decoder_model_merged_int8.onnx') - structure).toBeLessThan(0.35 * fp32Weights);
    await Promise.all([a.dispose(), b.dispose(), h.dispose(), q.dispose()]);
  });
});

describe('exportOnnx errors', () => {
  it('says what is missing', async () => {
    const err = await exportOnnx(join(tmp.dir, 'nope'), join(tmp.dir, 'x')).catch((e) => e);
    expect(EvolmmError.isInstance(err)).toBe(true);
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(/does not exist.*Qwen2/);
    const bad = await exportOnnx(tmp.dir, join(tmp.dir, 'y'), { dtype: 'int3' as 'fp32' }).catch((e) => e);
    expect(bad.code).toBe('INVALID_ARGUMENT');
  });
});

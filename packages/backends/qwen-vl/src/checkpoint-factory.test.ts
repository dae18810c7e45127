import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCheckpoint, resolveCheckpointConfig } from './checkpoint-factory.js';
import { loadConfig } from './config.js';
import { bf16ToF32, f32ToBf16 } from './dtype.js';
import { loadProcessor } from './processor.js';
import { SafetensorsFile } from './safetensors-reader.js';
import { loadTokenizer } from './tokenizer.js';
import { openWeights } from './weight-store.js';
import { qwenWeightSpecs } from './weight-specs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qvl-ck-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('createCheckpoint', () => {
  it.each(['qwen2.5-vl', 'qwen2-vl'] as const)('%s tiny: config, weights and tokenizer load back', async (variant) => {
    const dir = path.join(tmp, variant);
    const { config, params } = await createCheckpoint(dir, { variant });
    for (const f of ['config.json', 'generation_config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors']) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    }
    const loaded = await loadConfig(dir);
    expect(loaded.variant).toBe(variant);
    expect(loaded.text).toEqual(config.text);
    expect(loaded.vision).toEqual(config.vision);
    expect(loaded.text).toMatchObject({ hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2, headDim: 8, intermediateSize: 64, mropeSection: [1, 1, 2], tieWordEmbeddings: true });
    expect(loaded.vision).toMatchObject({ depth: 2, embedDim: 32, mlpHiddenDim: 64, numHeads: 4, patchSize: 14, temporalPatchSize: 2, spatialMergeSize: 2, outHiddenSize: 32 });
    if (variant === 'qwen2.5-vl') expect(loaded.vision).toMatchObject({ windowSize: 112, fullattBlockIndexes: [1], hiddenAct: 'silu' });
    else expect(loaded.vision).toMatchObject({ windowSize: null, fullattBlockIndexes: [], hiddenAct: 'quick_gelu' });
    // transformers.js reads qwen2_5_vl text dims from text_config only (docs/runtime.md §4)
    const raw = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(raw.text_config).toMatchObject({ hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 8 });
    expect(raw.hidden_size).toBe(32);

    const w = openWeights(dir);
    const specs = qwenWeightSpecs(loaded);
    expect(w.names).toEqual(specs.map((s) => s.name).sort());
    for (const s of specs) expect(w.info(s.name).shape).toEqual(s.shape);
    expect(params).toBe(specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0));
    // Hand-checked shapes (docs/runtime.md §3.2, §3.3, §8)
    expect(w.info('visual.patch_embed.proj.weight').shape).toEqual([32, 3, 2, 14, 14]);
    expect(w.info('visual.merger.mlp.0.weight').shape).toEqual([128, 128]);
    expect(w.info('visual.merger.mlp.2.weight').shape).toEqual([32, 128]);
    expect(w.info('model.layers.1.self_attn.k_proj.weight').shape).toEqual([16, 32]);
    expect(w.info('model.layers.1.self_attn.q_proj.bias').shape).toEqual([32]);
    expect(w.info('model.embed_tokens.weight').shape).toEqual([loaded.text.vocabSize, 32]);
    expect(w.has('lm_head.weight')).toBe(false);
    expect(w.has('model.layers.0.self_attn.o_proj.bias')).toBe(false);
    if (variant === 'qwen2.5-vl') {
      expect(w.info('visual.blocks.0.mlp.gate_proj.weight').shape).toEqual([64, 32]);
      expect(w.has('visual.blocks.0.norm1.bias')).toBe(false);
    } else {
      expect(w.info('visual.blocks.0.mlp.fc1.weight').shape).toEqual([64, 32]);
      expect(w.info('visual.blocks.1.norm2.bias').shape).toEqual([32]);
      expect(w.info('visual.merger.ln_q.bias').shape).toEqual([32]);
    }
    // Norm weights near 1, biases non-zero: a backend that ignores them gives other numbers.
    const n1 = w.readFloat32('model.layers.0.input_layernorm.weight');
    expect(Math.min(...n1)).toBeGreaterThan(0.8);
    expect(Math.max(...n1)).toBeLessThan(1.2);
    expect(Math.max(...w.readFloat32('visual.blocks.0.attn.qkv.bias').map(Math.abs))).toBeGreaterThan(0.05);
    // Logits vary: tied lm_head applied to unit-RMS hidden states has logit std ≈ 3 (O(1), not flat, not one-hot).
    const E = w.readFloat32('model.embed_tokens.weight');
    const V = loaded.text.vocabSize, H = 32;
    const h = Float32Array.from({ length: H }, (_, i) => Math.sin(i * 1.7) * Math.SQRT2);
    const logits = Array.from({ length: V }, (_, v) => E.subarray(v * H, v * H + H).reduce((s, x, i) => s + x * h[i], 0));
    const mean = logits.reduce((a, b) => a + b, 0) / V;
    const std = Math.sqrt(logits.reduce((a, b) => a + (b - mean) ** 2, 0) / V);
    expect(std).toBeGreaterThan(1.5);
    expect(std).toBeLessThan(5);
    w.close();

    // Tokenizer: ids the config points at are the tokenizer's specials.
    const tok = await loadTokenizer(dir);
    expect(tok.tokenId('<|image_pad|>')).toBe(loaded.imageTokenId);
    expect(tok.tokenId('<|video_pad|>')).toBe(loaded.videoTokenId);
    expect(tok.tokenId('<|vision_start|>')).toBe(loaded.visionStartTokenId);
    expect(tok.tokenId('<|vision_end|>')).toBe(loaded.visionEndTokenId);
    expect(tok.tokenId('<|im_end|>')).toBe(loaded.eosTokenIds[0]);
    expect(tok.tokenId('<|endoftext|>')).toBe(loaded.bosTokenId);
    expect(tok.vocabSize).toBe(loaded.text.vocabSize);
  });

  it('tokenizer round trips are exact on ASCII, whitespace, unicode and specials', async () => {
    const tok = await loadTokenizer(path.join(tmp, 'qwen2.5-vl'));
    for (const s of ['hello world', 'a\tb  c\n\nd   ', 'Café déjà vu — naïve', '中文字符 テスト', 'emoji 🎉👍🏽', '<|im_start|>user\nhi<|im_end|>\n', "it's 3.14, isn't it?"]) {
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
    expect(tok.encode('hello world').map((id) => tok.decode([id]))).toEqual(['hello', ' world']);
    const ids = tok.encode('x<|im_end|>y');
    expect(ids).toEqual([tok.encode('x')[0], tok.tokenId('<|im_end|>'), tok.encode('y')[0]]);
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('xy');
    expect(tok.encode('!')).toEqual([0]); // Qwen byte order: '!' is id 0
  });

  it('the chat template renders the Qwen-VL prompt for a message with an image', async () => {
    const p = await loadProcessor(path.join(tmp, 'qwen2-vl'));
    const raw = { width: 28, height: 28, channels: 3 as const, data: new Uint8Array(28 * 28 * 3) };
    expect(p.renderChat([{ role: 'user', content: [{ type: 'image', image: raw }, { type: 'text', text: 'What is this?' }] }])).toBe(
      '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>What is this?<|im_end|>\n<|im_start|>assistant\n',
    );
  });

  it('sharded + new-style names + bf16 hold the same values as the plain f32 checkpoint', async () => {
    const dir = path.join(tmp, 'sharded');
    await createCheckpoint(dir, { sharded: true, shards: 3, newNames: true, dtype: 'BF16' });
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8'));
    const files = [...new Set(Object.values(index.weight_map) as string[])].sort();
    expect(files).toEqual(['model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors']);
    expect(Object.keys(index.weight_map)).toContain('model.visual.patch_embed.proj.weight');
    expect(Object.keys(index.weight_map)).toContain('model.language_model.embed_tokens.weight');
    const shard = new SafetensorsFile(path.join(dir, files[0]));
    expect(shard.names.every((n) => n.startsWith('model.visual.') || n.startsWith('model.language_model.'))).toBe(true);
    shard.close();
    const a = openWeights(path.join(tmp, 'qwen2.5-vl'));
    const b = openWeights(dir);
    expect(b.names).toEqual(a.names);
    for (const name of a.names) {
      expect(b.info(name).dtype).toBe('BF16');
      const want = bf16ToF32(f32ToBf16(a.readFloat32(name)));
      expect(b.readFloat32(name)).toEqual(want);
    }
    a.close();
    b.close();
  });

  it('seeds change the weights; the same seed reproduces them', async () => {
    await createCheckpoint(path.join(tmp, 's1'), { seed: 1 });
    await createCheckpoint(path.join(tmp, 's1b'), { seed: 1 });
    const x = openWeights(path.join(tmp, 's1')).readFloat32('model.layers.0.mlp.up_proj.weight');
    const y = openWeights(path.join(tmp, 's1b')).readFloat32('model.layers.0.mlp.up_proj.weight');
    const z = openWeights(path.join(tmp, 'qwen2.5-vl')).readFloat32('model.layers.0.mlp.up_proj.weight');
    expect(x).toEqual(y);
    expect(x).not.toEqual(z);
  });

  it("the '0.5b' preset has Qwen2-0.5B decoder dims: 494,032,768 text parameters, specials at 151643…", () => {
    const { config, tokenizer } = resolveCheckpointConfig({ preset: '0.5b' });
    expect(config.text).toEqual({
      hiddenSize: 896, intermediateSize: 4864, numHiddenLayers: 24, numAttentionHeads: 14, numKeyValueHeads: 2, headDim: 64,
      vocabSize: 151936, rmsNormEps: 1e-6, ropeTheta: 1e6, mropeSection: [8, 12, 12], tieWordEmbeddings: true,
    });
    const textParams = qwenWeightSpecs(config).filter((s) => !s.name.startsWith('visual.')).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
    expect(textParams).toBe(494_032_768); // the published Qwen2-0.5B parameter count
    expect(config.imageTokenId).toBe(151655);
    expect(config.eosTokenIds).toEqual([151645]);
    expect(tokenizer.specialIds['<|endoftext|>']).toBe(151643);
    expect(tokenizer.vocabSize).toBe(151936);
    expect(resolveCheckpointConfig({ preset: '0.5b', variant: 'qwen2-vl' }).config.vision.mlpHiddenDim).toBe(1024);
  });

  it('overrides re-derive head_dim and mrope_section', () => {
    const { config } = resolveCheckpointConfig({ text: { hiddenSize: 64, numAttentionHeads: 4 } });
    expect(config.text.headDim).toBe(16);
    expect(config.text.mropeSection).toEqual([2, 3, 3]);
    expect(config.vision.outHiddenSize).toBe(64);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EvolmmError } from '@evolmm/core';
import { loadConfig, parseConfig } from './config.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '__fixtures__');
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(fixtures, f), 'utf8'));

// Expected values are the published numbers of docs/runtime.md §3.1 (and the Qwen2-VL-2B hub config).
describe('parseConfig', () => {
  it('reads the flat hub config of Qwen2.5-VL-3B', () => {
    const c = parseConfig(read('qwen2.5-vl-3b.config.json'));
    expect(c.variant).toBe('qwen2.5-vl');
    expect(c.text).toEqual({
      hiddenSize: 2048, intermediateSize: 11008, numHiddenLayers: 36, numAttentionHeads: 16, numKeyValueHeads: 2,
      headDim: 128, vocabSize: 151936, rmsNormEps: 1e-6, ropeTheta: 1e6, mropeSection: [16, 24, 24], tieWordEmbeddings: true,
    });
    expect(c.vision).toEqual({
      depth: 32, embedDim: 1280, mlpHiddenDim: 3420, numHeads: 16, patchSize: 14, temporalPatchSize: 2, spatialMergeSize: 2,
      inChannels: 3, outHiddenSize: 2048, windowSize: 112, fullattBlockIndexes: [7, 15, 23, 31], hiddenAct: 'silu', tokensPerSecond: 2,
    });
    expect([c.imageTokenId, c.videoTokenId, c.visionStartTokenId, c.visionEndTokenId]).toEqual([151655, 151656, 151652, 151653]);
    expect(c.bosTokenId).toBe(151643);
    expect(c.eosTokenIds).toEqual([151645]);
    expect(c.padTokenId).toBe(151643); // absent: falls back to bos (<|endoftext|>)
  });

  it('reads the newer text_config / rope_parameters form (7B, untied)', () => {
    const c = parseConfig(read('qwen2.5-vl-7b.text-config.json'));
    expect(c.variant).toBe('qwen2.5-vl');
    expect(c.text.hiddenSize).toBe(3584);
    expect(c.text.numHiddenLayers).toBe(28);
    expect(c.text.numAttentionHeads).toBe(28);
    expect(c.text.numKeyValueHeads).toBe(4);
    expect(c.text.headDim).toBe(128);
    expect(c.text.intermediateSize).toBe(18944);
    expect(c.text.vocabSize).toBe(152064);
    expect(c.text.mropeSection).toEqual([16, 24, 24]);
    expect(c.text.ropeTheta).toBe(1e6);
    expect(c.text.tieWordEmbeddings).toBe(false);
    expect(c.vision.outHiddenSize).toBe(3584);
    expect(c.vision.inChannels).toBe(3);
    expect(c.eosTokenIds).toEqual([151645]);
  });

  it('reads Qwen2-VL (embed_dim, mlp_ratio, hidden_size = output dim, no windows)', () => {
    const c = parseConfig(read('qwen2-vl-2b.config.json'));
    expect(c.variant).toBe('qwen2-vl');
    expect(c.text.hiddenSize).toBe(1536);
    expect(c.text.headDim).toBe(128);
    expect(c.vision.embedDim).toBe(1280);
    expect(c.vision.mlpHiddenDim).toBe(5120);
    expect(c.vision.outHiddenSize).toBe(1536);
    expect(c.vision.windowSize).toBeNull();
    expect(c.vision.fullattBlockIndexes).toEqual([]);
    expect(c.vision.hiddenAct).toBe('quick_gelu');
  });

  it('text_config wins over stale top-level keys', () => {
    const j = read('qwen2.5-vl-7b.text-config.json');
    j.hidden_size = 999;
    expect(parseConfig(j).text.hiddenSize).toBe(3584);
  });

  it('rejects non-Qwen-VL configs with a clear MODEL_FORMAT error', () => {
    const err = (() => {
      try {
        parseConfig({ model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: 8 });
      } catch (e) {
        return e;
      }
    })();
    expect(EvolmmError.isInstance(err)).toBe(true);
    expect((err as EvolmmError).code).toBe('MODEL_FORMAT');
    expect((err as Error).message).toMatch(/llama/);
    expect((err as Error).message).toMatch(/qwen2_5_vl/);
  });

  it('rejects a wrong mrope_section and a missing vision_config', () => {
    const j = read('qwen2.5-vl-3b.config.json');
    j.rope_scaling.mrope_section = [16, 24, 16];
    expect(() => parseConfig(j)).toThrow(/sums to 56, expected head_dim \/ 2 = 64/);
    const k = read('qwen2.5-vl-3b.config.json');
    delete k.vision_config;
    expect(() => parseConfig(k)).toThrow(/vision_config/);
  });

  it('loadConfig: missing folder → NOT_FOUND; folder without config.json → NOT_FOUND', async () => {
    await expect(loadConfig('/nonexistent/evolmm-model')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qvl-cfg-'));
    await expect(loadConfig(dir)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    fs.writeFileSync(path.join(dir, 'config.json'), '{ not json');
    await expect(loadConfig(dir)).rejects.toMatchObject({ code: 'MODEL_FORMAT' });
    fs.rmSync(dir, { recursive: true });
  });
});

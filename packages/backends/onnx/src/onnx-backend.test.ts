import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { createModelRegistry, EvolmmError } from '@evolmm/core';
import { createOnnxBackend, onnxModelFactory } from './onnx-backend.js';
import { loadOnnxModel } from './onnx-model.js';
import { measureThroughput } from './throughput.js';
import { quiet, scratch, TEXT_PROMPT, tinyExport } from './__fixtures__/tiny.js';

const tmp = scratch('backend');
let folder = '';
beforeAll(async () => {
  folder = (await tinyExport(tmp.dir, 'qwen2.5-vl')).out;
});
afterAll(() => tmp.cleanup());

// This package ships without the CUDA provider libraries (docs/runtime.md §2), so requesting CUDA must fall back.
const cudaBundled = ort.listSupportedBackends().some((b) => b.name === 'cuda' && b.bundled);

describe('execution provider selection', () => {
  it.skipIf(cudaBundled)('cuda without provider libraries falls back to CPU with one line naming why, and still generates', async () => {
    const lines: string[] = [];
    const model = await loadOnnxModel(folder, { device: 'cuda', log: (l) => lines.push(l) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[evolmm\/onnx\] CUDA execution provider unavailable \(.*(shared library|libonnxruntime_providers).*\); falling back to CPU with \d+ threads$/);
    expect(model.provider).toBe('cpu');
    const [c] = await model.generate({ messages: TEXT_PROMPT, maxNewTokens: 4, temperature: 0 });
    expect(c.tokenIds).toHaveLength(4);
    await model.dispose();
  });

  it('cpu logs the provider once and never tries CUDA', async () => {
    const lines: string[] = [];
    const model = await loadOnnxModel(folder, { device: 'cpu', threads: 1, log: (l) => lines.push(l) });
    expect(lines).toEqual(['[evolmm/onnx] execution provider: CPU (1 threads)']);
    await model.dispose();
  });

  it('rejects unknown devices and dtypes with what is available', async () => {
    const e1 = await loadOnnxModel(folder, { device: 'tpu' as 'cpu', log: () => {} }).catch((e) => e);
    expect(EvolmmError.isInstance(e1) && e1.code).toBe('INVALID_ARGUMENT');
    const e2 = await loadOnnxModel(folder, { ...quiet, dtype: 'q4' }).catch((e) => e);
    expect(e2.code).toBe('NOT_FOUND');
    expect(e2.message).toMatch(/available dtypes: fp32/);
    const e3 = await loadOnnxModel(tmp.dir, quiet).catch((e) => e);
    expect(e3.code).toBe('NOT_FOUND');
    expect(e3.message).toMatch(/export-onnx/);
  });
});

describe('backend, registry and throughput hooks', () => {
  it('createOnnxBackend and the registry factory load the same model', async () => {
    const backend = createOnnxBackend({ device: 'cpu', threads: 1, log: () => {} });
    const a = await backend.loadModel(folder);
    const registry = createModelRegistry({ onnx: onnxModelFactory });
    const b = await registry.resolve(`onnx:${folder}`, { device: 'cpu', log: () => {} });
    expect(b.id).toBe(`onnx:${folder}`);
    const req = { messages: TEXT_PROMPT, n: 2, maxNewTokens: 6, seed: 3 };
    expect(await a.generate(req)).toEqual(await b.generate(req));
    await Promise.all([a.dispose(), b.dispose()]);
    expect(() => createOnnxBackend({ threads: 0 })).toThrow(/positive integer/);
  });

  it('measureThroughput reports consistent counts', async () => {
    const model = await loadOnnxModel(folder, quiet);
    const r = await measureThroughput(model, { promptTokens: 16, samples: 3, newTokens: 4 });
    expect(r).toMatchObject({ promptTokens: 16, samples: 3, newTokens: 4 });
    expect(r.decodeTokensPerSec).toBeCloseTo((3 * 4) / (r.decodeMs / 1000), 6);
    expect(r.prefillTokensPerSec).toBeGreaterThan(0);
    await model.dispose();
  });
});

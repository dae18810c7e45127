import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel } from '@evolmm/backend-tfjs';
import { createCheckpoint } from '@evolmm/qwen-vl';
import { createServeApp } from '../src/serve/index.js';
import type { ServeApp } from '../src/serve/index.js';
import { evolmm } from './cli-helpers.js';

// Issue 8: `bench` through backend-openai against a local `evolmm serve` gives the same scores as the backend directly.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evolmm-serve-'));
const model = path.join(dir, 'tiny');
let app: ServeApp;
let url: string;

describe('bench through evolmm serve', () => {
  beforeAll(async () => {
    await createCheckpoint(model, { preset: 'tiny', seed: 3 });
    const m = await loadTfjsModel(model, { backend: 'wasm', lora: false, logBackend: false } as Parameters<typeof loadTfjsModel>[1]);
    app = createServeApp({ model: m, modelName: 'tiny', allowDirs: [path.resolve(import.meta.dirname, '../../bench')] });
    url = (await app.listen(0)).url;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
  });

  it('gives the same greedy outputs and scores as the tfjs backend directly', async () => {
    const out = path.join(dir, 'bench');
    const res = await evolmm(
      ['bench', '-m', `direct=tfjs:${model}`, '-m', `served=openai:${url}#tiny`, '-b', 'chartqa-sample,synthetic', '--limit', '3', '--synthetic-count', '3', '--out', out, '--json'],
      dir,
    );
    expect(res.code, res.stderr).toBe(0);
    const rows = JSON.parse(res.stdout) as { model: string; benchmark: string; summary: { correct: number; total: number } }[];
    for (const b of ['chartqa', 'synthetic-charts']) {
      const direct = rows.find((r) => r.model === 'direct' && r.benchmark === b)!;
      const served = rows.find((r) => r.model === 'served' && r.benchmark === b)!;
      expect(served.summary).toEqual(direct.summary);
    }
    const cache = fs.readFileSync(path.join(out, 'cache.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { model: string; benchmark: string; item: string; output: string });
    const direct = cache.filter((c) => c.model === 'direct');
    expect(direct).toHaveLength(6);
    for (const d of direct) expect(cache.find((c) => c.model === 'served' && c.item === d.item && c.benchmark === d.benchmark)?.output).toBe(d.output);
  }, 300_000);
});

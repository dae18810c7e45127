import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evolmm } from './cli-helpers.js';

// End to end through the CLI on a tiny factory checkpoint: the commands a user runs, in order.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evolmm-cli-'));
const model = path.join(dir, 'tiny');
const onnxDir = path.join(dir, 'tiny-onnx');

describe('evolmm with a tiny model', () => {
  beforeAll(async () => {
    const res = await evolmm(['make-checkpoint', model, '--json'], dir);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).params).toBeGreaterThan(1000);
  }, 120_000);

  it('generates seeded samples (same seed → same text, samples differ)', async () => {
    const image = path.resolve(import.meta.dirname, '../../bench/samples/chartqa/png/1319.png');
    const args = ['generate', '--model', `tfjs:${model}`, '--image', image, '-n', '3', '--temperature', '1', '--seed', '7', '--max-new-tokens', '12', '--json', 'What is shown?'];
    const a = await evolmm(args, dir);
    expect(a.code, a.stderr).toBe(0);
    const b = await evolmm(args, dir);
    const ca = JSON.parse(a.stdout).completions as { text: string; tokenIds: number[] }[];
    expect(ca).toHaveLength(3);
    expect(JSON.parse(b.stdout).completions).toEqual(ca);
    expect(new Set(ca.map((c) => c.tokenIds.join(','))).size).toBeGreaterThan(1);
  }, 120_000);

  it('exports to ONNX and benchmarks tfjs and onnx with identical greedy outputs on the shipped ChartQA sample', async () => {
    const ex = await evolmm(['export-onnx', model, onnxDir], dir);
    expect(ex.code, ex.stderr).toBe(0);
    expect(fs.existsSync(path.join(onnxDir, 'onnx', 'decoder_model_merged.onnx'))).toBe(true);
    const out = path.join(dir, 'bench');
    const args = ['bench', '-m', `tfjs=tfjs:${model}`, '-m', `onnx=onnx:${onnxDir}`, '-b', 'chartqa-sample,synthetic', '--limit', '3', '--synthetic-count', '3', '--out', out, '--json'];
    const res = await evolmm(args, dir);
    expect(res.code, res.stderr).toBe(0);
    const summaries = JSON.parse(res.stdout) as { model: string; benchmark: string; summary: { total: number } }[];
    expect(summaries.map((s) => `${s.model}/${s.benchmark}`).sort()).toEqual(['onnx/chartqa', 'onnx/synthetic-charts', 'tfjs/chartqa', 'tfjs/synthetic-charts']);
    expect(summaries.every((s) => s.summary.total === 3)).toBe(true);
    const cache = fs.readFileSync(path.join(out, 'cache.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { model: string; benchmark: string; item: string; output: string });
    expect(cache).toHaveLength(12);
    for (const r of cache.filter((c) => c.model === 'tfjs')) {
      const twin = cache.find((c) => c.model === 'onnx' && c.benchmark === r.benchmark && c.item === r.item);
      expect(twin?.output).toBe(r.output);
    }
    for (const f of ['results.json', 'results.md', 'report.html']) expect(fs.existsSync(path.join(out, f))).toBe(true);
    // A rerun is served from the cache.
    const again = await evolmm(args, dir);
    expect(again.code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'cache.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12);
  }, 300_000);

  it('evolves, reports, and resumes a run', async () => {
    const images = path.resolve(import.meta.dirname, '../../bench/samples/chartqa/png');
    const out = path.join(dir, 'run');
    const base = ['evolve', '--model', `tfjs:${model}`, '--images', images, '--out', out, '-n', '3', '--max-new-tokens', '8', '--checkpoint-every', '2', '--lr', '1e-3'];
    const first = await evolmm([...base, '--iterations', '2'], dir);
    expect(first.code, first.stderr).toBe(0);
    const eventsFile = path.join(out, 'events.jsonl');
    const before = fs.readFileSync(eventsFile, 'utf8').trim().split('\n');
    // Extending a finished run: --iterations may grow on --resume (it is not part of the config hash).
    const resumed = await evolmm([...base, '--iterations', '3', '--resume'], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = fs.readFileSync(eventsFile, 'utf8').trim().split('\n');
    const iterations = after.map((l) => JSON.parse(l) as { type: string; iteration?: number }).filter((e) => e.type === 'iteration');
    expect(iterations.map((e) => e.iteration)).toEqual([1, 2, 3]);
    const strip = (l: string) => JSON.stringify({ ...JSON.parse(l), time: null, timings: null });
    expect(after.slice(0, before.length).map(strip)).toEqual(before.map(strip));
    // A changed sampling setting is a different experiment: the resume is refused and names the key.
    const changed = await evolmm([...base, '--iterations', '4', '--resume', '--seed', '5'], dir);
    expect(changed.code).toBe(3);
    expect(changed.stderr).toContain('seed');
    // The solver adapter a run saved exports to ONNX (merged) and the export generates (issue 6).
    const adapter = path.join(out, 'checkpoints', 'step_00003', 'policy', 'adapters', 'default');
    expect(fs.existsSync(path.join(adapter, 'adapter_config.json'))).toBe(true);
    const ex = await evolmm(['export-onnx', model, path.join(dir, 'evolved-onnx'), '--adapter', adapter], dir);
    expect(ex.code, ex.stderr).toBe(0);
    const gen = await evolmm(['generate', '--model', `onnx:${path.join(dir, 'evolved-onnx')}`, '--max-new-tokens', '4', '--json', 'hi'], dir);
    expect(gen.code, gen.stderr).toBe(0);
    expect(JSON.parse(gen.stdout).completions[0].tokenIds.length).toBeGreaterThan(0);
    const rep = await evolmm(['report', out, '--json'], dir);
    expect(rep.code, rep.stderr).toBe(0);
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('<svg');
  }, 300_000);

  it('splits batched solver steps over two threads with --data-parallel', async () => {
    const images = path.resolve(import.meta.dirname, '../../bench/samples/chartqa/png');
    const out = path.join(dir, 'run-dp');
    const args = ['evolve', '--model', `tfjs:${model}`, '--images', images, '--out', out, '-n', '3', '--max-new-tokens', '6', '--iterations', '1'];
    const res = await evolmm([...args, '--solver-update', 'batched', '--data-parallel', '2'], dir);
    expect(res.code, res.stderr).toBe(0);
    const events = fs.readFileSync(path.join(out, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(events.filter((e) => e.type === 'iteration')).toHaveLength(1);
    const bad = await evolmm([...args, '--out', path.join(dir, 'run-dp0'), '--data-parallel', '0'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/data-parallel/);
  }, 300_000);

  it('rejects a bad config key with the closest valid one', async () => {
    const cfg = path.join(dir, 'bad.yaml');
    fs.writeFileSync(cfg, `model: tfjs:${model}\nimages: ${dir}\nout: ${path.join(dir, 'r2')}\niteratons: 3\n`);
    const res = await evolmm(['evolve', '--config', cfg], dir);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('iteratons');
    expect(res.stderr).toContain('iterations');
  });

  it('says what to do for a folder that is not a model', async () => {
    const res = await evolmm(['generate', '--model', `tfjs:${dir}`, 'hi'], dir);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/config\.json/);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EvolmmError } from '@evolmm/core';
import { syntheticCharts } from '../synthetic/benchmark.js';
import { adder, fakeModel, halfAdder, toyBenchmark } from './__fixtures__/fakes.js';
import { runBench } from './run-bench.js';
import type { BenchRun } from './types.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evolmm-runner-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const dir = () => path.join(tmp, `run-${n++}`);

/** What must not change between a fresh and a resumed run (timings and the cached flag may). */
function essence(run: BenchRun) {
  return run.results.map((r) => ({
    model: r.model,
    benchmark: r.benchmark,
    summary: r.summary,
    items: r.items.map(({ id, output, prediction, correct, groups, tokens, finishReason }) => ({ id, output, prediction, correct, groups, tokens, finishReason })),
  }));
}

const benches = () => [toyBenchmark('toy-a', 10), toyBenchmark('toy-b', 6)];

describe('runBench', () => {
  it('runs every model on every benchmark, scores, and caches one line per item', async () => {
    const out = dir();
    const good = fakeModel('good', adder);
    const half = fakeModel('half', halfAdder);
    const events: number[] = [];
    const run = await runBench({
      models: [{ id: 'good', model: good }, { id: 'half', model: half }],
      benchmarks: benches(),
      outDir: out,
      onProgress: (e) => events.push(e.done),
    });
    expect(run.results.map((r) => `${r.model}/${r.benchmark}`)).toEqual(['good/toy-a', 'good/toy-b', 'half/toy-a', 'half/toy-b']);
    // good: all right. half: right on even a (a = i): 5 of 10, 3 of 6.
    expect(run.results.map((r) => [r.summary.correct, r.summary.total])).toEqual([[10, 10], [6, 6], [5, 10], [3, 6]]);
    // Sum a+b = 3i+1: even for odd i. half on toy-a gets even i → sums 1,7,13,19,25 (all odd).
    expect(run.results[2].summary.breakdowns.parity).toEqual({ odd: { correct: 5, total: 5, accuracy: 100 }, even: { correct: 0, total: 5, accuracy: 0 } });
    expect([good.calls, half.calls]).toEqual([16, 16]);
    expect(events).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    // Tokens: one per output character; good's toy-a outputs are 3i+1 for i<10.
    const chars = Array.from({ length: 10 }, (_, i) => String(3 * i + 1).length).reduce((a, b) => a + b, 0);
    expect(run.results[0].throughput.tokens).toBe(chars);
    expect(run.results[0].throughput.generated).toBe(10);
    expect(good.requests[0]).toMatchObject({ maxNewTokens: 8, temperature: 0, n: 1 });
    const lines = fs.readFileSync(path.join(out, 'cache.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(32);
    expect(new Set(lines.map((l) => JSON.parse(l).key)).size).toBe(32);
    for (const f of ['results.json', 'results.md', 'report.html']) expect(fs.existsSync(path.join(out, f))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(run)));
  });

  it('resumes an aborted run without asking the model again and ends with identical results', async () => {
    const reference = await runBench({ models: [{ id: 'm', model: fakeModel('m', halfAdder) }], benchmarks: benches(), outDir: dir(), report: false });

    const out = dir();
    const ac = new AbortController();
    // Abort during the 7th call; that call still finishes and is cached.
    const first = fakeModel('m', halfAdder, { onCall: (i) => i === 6 && ac.abort() });
    const err = await runBench({ models: [{ id: 'm', model: first }], benchmarks: benches(), outDir: out, signal: ac.signal, report: false }).catch((e) => e);
    expect(EvolmmError.isInstance(err) && err.code).toBe('ABORTED');
    expect(first.calls).toBe(7);
    expect(fs.readFileSync(path.join(out, 'cache.jsonl'), 'utf8').trim().split('\n')).toHaveLength(7);

    const second = fakeModel('m', halfAdder);
    const resumed = await runBench({ models: [{ id: 'm', model: second }], benchmarks: benches(), outDir: out, report: false });
    expect(second.calls).toBe(16 - 7);
    expect(resumed.results[0].items.filter((x) => x.cached)).toHaveLength(7);
    expect(essence(resumed)).toEqual(essence(reference));

    // A third run is served entirely from the cache.
    const third = fakeModel('m', () => 'never called');
    const again = await runBench({ models: [{ id: 'm', model: third }], benchmarks: benches(), outDir: out, report: false });
    expect(third.calls).toBe(0);
    expect(essence(again)).toEqual(essence(reference));
  });

  it('repairs a truncated last cache line (a crash mid-write) and redoes only that item', async () => {
    const out = dir();
    await runBench({ models: [{ id: 'm', model: fakeModel('m', adder) }], benchmarks: [toyBenchmark('toy', 5)], outDir: out, report: false });
    const file = path.join(out, 'cache.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    // Keep 4 complete lines and half of the 5th, without its newline.
    fs.writeFileSync(file, lines.slice(0, 4).join('\n') + '\n' + lines[4].slice(0, 30));
    const m = fakeModel('m', adder);
    const run = await runBench({ models: [{ id: 'm', model: m }], benchmarks: [toyBenchmark('toy', 5)], outDir: out, report: false });
    expect(m.calls).toBe(1);
    expect(run.results[0].summary.correct).toBe(5);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().split('\n').map((l) => JSON.parse(l).item)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4']);
  });

  it('keys the cache by generation settings and prompt: changing either regenerates', async () => {
    const out = dir();
    const opts = { benchmarks: [toyBenchmark('toy', 4)], outDir: out, report: false } as const;
    await runBench({ ...opts, models: [{ id: 'm', model: fakeModel('m', adder) }] });
    const m2 = fakeModel('m', adder);
    await runBench({ ...opts, models: [{ id: 'm', model: m2 }], generation: { maxNewTokens: 5 } });
    expect(m2.calls).toBe(4);
    expect(m2.requests.every((r) => r.maxNewTokens === 5 && r.temperature === 0)).toBe(true);
    // Another model id: its own cache entries.
    const m3 = fakeModel('m', adder);
    await runBench({ ...opts, models: [{ id: 'other', model: m3 }] });
    expect(m3.calls).toBe(4);
    // A different prompt for the same item ids (direct vs evolmm prompt of the synthetic benchmark).
    const synth = (prompt: 'direct' | 'evolmm') => syntheticCharts({ count: 2, prompt, name: 'syn' });
    const s1 = fakeModel('s', () => '1');
    await runBench({ models: [{ id: 's', model: s1 }], benchmarks: [synth('evolmm')], outDir: out, report: false });
    const s2 = fakeModel('s', () => '1');
    await runBench({ models: [{ id: 's', model: s2 }], benchmarks: [synth('direct')], outDir: out, report: false });
    const s3 = fakeModel('s', () => '1');
    await runBench({ models: [{ id: 's', model: s3 }], benchmarks: [synth('direct')], outDir: out, report: false });
    expect([s1.calls, s2.calls, s3.calls]).toEqual([2, 2, 0]);
  });

  it('runs up to `concurrency` calls at once and keeps results in item order', async () => {
    const m = fakeModel('c', adder, { delay: (i) => [7, 1, 4, 2, 9, 3][i % 6] });
    const run = await runBench({ models: [{ id: 'c', model: m, concurrency: 3 }], benchmarks: [toyBenchmark('toy', 12)], outDir: dir(), report: false });
    expect(m.maxInFlight).toBe(3);
    expect(run.results[0].items.map((x) => x.id)).toEqual(Array.from({ length: 12 }, (_, i) => `q${i}`));
    expect(run.results[0].summary.correct).toBe(12);
    const seq = fakeModel('s', adder);
    await runBench({ models: [{ id: 's', model: seq }], benchmarks: [toyBenchmark('toy', 5)], outDir: dir(), report: false });
    expect(seq.maxInFlight).toBe(1);
  });

  it('honours limit, and reports a failing backend with the item while keeping finished outputs', async () => {
    const out = dir();
    const m = fakeModel('f', adder, { fail: (i) => i === 2 });
    const err = await runBench({ models: [{ id: 'f', model: m }], benchmarks: [toyBenchmark('toy', 6)], outDir: out, report: false }).catch((e) => e);
    expect(EvolmmError.isInstance(err)).toBe(true);
    expect(err.message).toMatch(/model "f" failed on toy item "q2": backend exploded.*rerun to resume/);
    expect(fs.readFileSync(path.join(out, 'cache.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    const limited = await runBench({ models: [{ id: 'f', model: fakeModel('f', adder) }], benchmarks: [toyBenchmark('toy', 6)], outDir: out, limit: 3, report: false });
    expect(limited.results[0].summary.total).toBe(3);
    expect(limited.results[0].throughput.generated).toBe(1);
  });

  it('rejects ambiguous setups', async () => {
    const m = fakeModel('x', adder);
    await expect(runBench({ models: [{ id: 'a', model: m }, { id: 'a', model: m }], benchmarks: benches(), outDir: dir() })).rejects.toThrow(/share the id "a"/);
    await expect(runBench({ models: [{ id: 'a', model: m }], benchmarks: [toyBenchmark('t', 1), toyBenchmark('t', 2)], outDir: dir() })).rejects.toThrow(/share the name "t"/);
    await expect(runBench({ models: [{ id: 'a', model: m, concurrency: 0 }], benchmarks: benches(), outDir: dir() })).rejects.toThrow(/concurrency/);
    await expect(runBench({ models: [], benchmarks: benches(), outDir: dir() })).rejects.toThrow(/at least one model/);
  });
});

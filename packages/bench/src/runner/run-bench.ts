import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { EvolmmError, throwIfAborted, type Benchmark } from '@evolmm/core';
import { writeBenchReport } from '../report/write-report.js';
import { cacheKey } from './cache-key.js';
import { OutputCache } from './output-cache.js';
import { throughput } from './throughput.js';
import type { BenchCacheRecord, BenchItemResult, BenchModelEntry, BenchResult, BenchRun, GenerationOverrides, RunBenchOptions } from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyBenchmark = Benchmark<any>;

interface LoadedBenchmark {
  readonly benchmark: AnyBenchmark;
  readonly items: readonly unknown[];
  readonly ids: readonly string[];
}

function validate(options: RunBenchOptions): void {
  if (options.models.length === 0) throw new EvolmmError('INVALID_ARGUMENT', 'runBench needs at least one model in `models`');
  if (options.benchmarks.length === 0) throw new EvolmmError('INVALID_ARGUMENT', 'runBench needs at least one benchmark in `benchmarks`');
  const dup = (names: string[]): string | undefined => names.find((n, i) => names.indexOf(n) !== i);
  const dm = dup(options.models.map((m) => m.id));
  if (dm !== undefined) throw new EvolmmError('INVALID_ARGUMENT', `two models share the id "${dm}"; give each model a distinct id`);
  const db = dup(options.benchmarks.map((b) => b.name));
  if (db !== undefined) throw new EvolmmError('INVALID_ARGUMENT', `two benchmarks share the name "${db}"; give each a distinct name`);
  for (const m of options.models) {
    const c = m.concurrency ?? 1;
    if (!Number.isInteger(c) || c < 1) {
      throw new EvolmmError('INVALID_ARGUMENT', `model "${m.id}" has concurrency ${c}; expected an integer ≥ 1`);
    }
  }
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
    throw new EvolmmError('INVALID_ARGUMENT', `limit must be a positive integer, got ${options.limit}`);
  }
}

async function loadBenchmark(b: AnyBenchmark, options: RunBenchOptions): Promise<LoadedBenchmark> {
  const items: unknown[] = [];
  const ids: string[] = [];
  const seen = new Set<string>();
  const load = { ...options.loadOptions?.[b.name], signal: options.signal };
  const limit = options.limit ?? load.limit;
  for await (const item of b.items({ ...load, limit })) {
    const id = b.id(item);
    if (seen.has(id)) {
      throw new EvolmmError('INVALID_ARGUMENT', `benchmark ${b.name} yields the item id "${id}" twice; item ids must be unique for caching`);
    }
    seen.add(id);
    items.push(item);
    ids.push(id);
    if (limit !== undefined && items.length >= limit) break;
  }
  return { benchmark: b, items, ids };
}

/** Runs `worker` over `count` tasks with at most `concurrency` in flight; stops taking tasks on abort or error. */
async function pool(count: number, concurrency: number, signal: AbortSignal | undefined, worker: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const run = async (): Promise<void> => {
    while (failure === undefined && !signal?.aborted && next < count) {
      const i = next++;
      try {
        await worker(i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, run));
  if (failure !== undefined) throw failure.error;
}

/**
 * Runs every model on every benchmark. Each item's output is appended to a JSONL cache keyed by model id,
 * benchmark, item id and a hash of prompt + generation settings, so a run that was interrupted (AbortSignal, crash)
 * resumes where it stopped and never asks a model twice for the same item. Outputs are scored with the benchmark's
 * own `score`/`summarize` every time (so rescoring after a scorer fix needs no generation). Writes results.json,
 * results.md and report.html into outDir unless `report: false`.
 */
export async function runBench(options: RunBenchOptions): Promise<BenchRun> {
  validate(options);
  const startedAt = new Date().toISOString();
  const outDir = path.resolve(options.outDir);
  const cacheFile = path.resolve(options.cacheFile ?? path.join(outDir, 'cache.jsonl'));
  const signal = options.signal;
  throwIfAborted(signal, 'the benchmark run');

  const loaded: LoadedBenchmark[] = [];
  for (const b of options.benchmarks) loaded.push(await loadBenchmark(b, options));
  const perModel = loaded.reduce((a, l) => a + l.items.length, 0);
  const total = perModel * options.models.length;
  let done = 0;

  const cache = OutputCache.open(cacheFile);
  // results[model][benchmark][item]
  const results: BenchItemResult[][][] = options.models.map(() => loaded.map((l) => new Array<BenchItemResult>(l.items.length)));
  const wallMs: number[] = options.models.map(() => 0);

  const runModel = async (entry: BenchModelEntry, m: number): Promise<void> => {
    const tasks: Array<[number, number]> = loaded.flatMap((l, b) => l.items.map((_, i) => [b, i] as [number, number]));
    const t0 = performance.now();
    await pool(tasks.length, entry.concurrency ?? 1, signal, async (t) => {
      const [b, i] = tasks[t];
      const { benchmark, items, ids } = loaded[b];
      const item = items[i];
      const messages = benchmark.prompt(item);
      const generation: GenerationOverrides = { ...benchmark.generation, ...options.generation };
      const key = cacheKey(entry.id, benchmark.name, ids[i], messages, generation);
      let record = cache.get(key);
      const cached = record !== undefined;
      if (record === undefined) {
        throwIfAborted(signal, 'the benchmark run');
        const start = performance.now();
        let completions;
        try {
          completions = await entry.model.generate({ ...generation, messages, n: 1, signal });
        } catch (cause) {
          if (EvolmmError.isInstance(cause) && cause.code === 'ABORTED') throw cause;
          if (signal?.aborted) throw new EvolmmError('ABORTED', 'the benchmark run was cancelled', { cause });
          throw new EvolmmError(
            'INTERNAL',
            `model "${entry.id}" failed on ${benchmark.name} item "${ids[i]}": ${(cause as Error)?.message ?? cause}; ` +
              'outputs so far are cached, rerun to resume',
            { cause, details: { model: entry.id, benchmark: benchmark.name, item: ids[i] } },
          );
        }
        const latencyMs = performance.now() - start;
        const c = completions[0];
        if (c === undefined || typeof c.text !== 'string') {
          throw new EvolmmError('INTERNAL', `model "${entry.id}" returned no completion for ${benchmark.name} item "${ids[i]}"`);
        }
        record = {
          v: 1,
          key,
          model: entry.id,
          benchmark: benchmark.name,
          item: ids[i],
          output: c.text,
          finishReason: c.finishReason,
          tokens: c.tokenIds.length,
          latencyMs: Math.round(latencyMs * 1000) / 1000,
          time: new Date().toISOString(),
        } satisfies BenchCacheRecord;
        cache.put(record);
      }
      const score = benchmark.score(item, record.output);
      results[m][b][i] = {
        id: ids[i],
        output: record.output,
        prediction: score.prediction,
        correct: score.correct,
        ...(score.groups ? { groups: score.groups } : {}),
        tokens: record.tokens,
        latencyMs: record.latencyMs,
        finishReason: record.finishReason,
        cached,
      };
      done++;
      options.onProgress?.({ model: entry.id, benchmark: benchmark.name, item: ids[i], done, total, cached });
    });
    wallMs[m] = performance.now() - t0;
  };

  try {
    if (options.parallelModels) {
      const settled = await Promise.allSettled(options.models.map((e, m) => runModel(e, m)));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    } else {
      for (let m = 0; m < options.models.length && !signal?.aborted; m++) await runModel(options.models[m], m);
    }
  } finally {
    cache.close();
  }
  throwIfAborted(signal, 'the benchmark run');

  const benchResults: BenchResult[] = options.models.flatMap((entry, m) =>
    loaded.map((l, b) => {
      const items = results[m][b];
      return {
        model: entry.id,
        benchmark: l.benchmark.name,
        summary: l.benchmark.summarize(
          items.map((r) => ({ id: r.id, correct: r.correct, prediction: r.prediction, ...(r.groups ? { groups: r.groups } : {}) })),
        ),
        throughput: throughput(items),
        items,
      };
    }),
  );
  const run: BenchRun = {
    version: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    cacheFile,
    ...(options.generation ? { generation: options.generation } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    models: options.models.map((e, m) => ({ id: e.id, modelId: e.model.id, concurrency: e.concurrency ?? 1, wallMs: Math.round(wallMs[m]) })),
    benchmarks: loaded.map((l) => l.benchmark.name),
    results: benchResults,
  };
  if (options.report ?? true) writeBenchReport(run, outDir);
  return run;
}

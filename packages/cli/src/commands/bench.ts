import path from 'node:path';
import { EvolmmError, createProgress } from '@evolmm/core';
import type { VisionLanguageModel } from '@evolmm/core';
import { floatOpt, intOpt, listOpt, stringOpt } from '../args.js';
import { BENCHMARK_NAMES, benchmarksByName } from '../benchmarks.js';
import type { Command } from '../command.js';
import { writeLine } from '../io.js';
import { resolveModel } from '../models.js';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run models on ChartQA, MathVista, MATH-Vision and synthetic charts; cached, resumable, with reports',
  usage: '--model <spec> [--model <spec>...] --benchmark <names> [--limit N] [--data name=folder] [--out dir]',
  description:
    `Benchmarks: ${BENCHMARK_NAMES.join(', ')}. chartqa-sample (95 official test questions on 50 charts) and synthetic\n` +
    'ship with evolmm; the others read the official files or the Hugging Face parquet release from --data.\n' +
    'Every output is cached in <out>/cache.jsonl, so an interrupted run resumes. Writes results.json, results.md, report.html.',
  positionals: [0, 0],
  options: {
    model: { type: 'string', short: 'm', multiple: true, description: 'model spec; label it with name=spec (e.g. base=tfjs:./m)' },
    benchmark: { type: 'string', short: 'b', multiple: true, default: 'chartqa-sample', description: 'comma-separated benchmark names' },
    limit: { type: 'string', short: 'l', description: 'first N items of each benchmark' },
    data: { type: 'string', multiple: true, valueName: 'name=folder', description: 'data folder of a benchmark' },
    out: { type: 'string', short: 'o', default: 'bench-out', description: 'output folder (cache and reports)' },
    concurrency: { type: 'string', default: '1', description: 'generate calls in flight per model' },
    'max-new-tokens': { type: 'string', description: "override every benchmark's generation limit" },
    temperature: { type: 'string', description: 'override decoding temperature (benchmarks default to greedy)' },
    'synthetic-count': { type: 'string', default: '50', description: 'items of the generated synthetic-charts benchmark' },
    device: { type: 'string', description: 'backend device (tfjs: auto|wasm|cpu; onnx: auto|cuda|cpu)' },
    json: { type: 'boolean', description: 'print the summaries as JSON' },
  },
  examples: [
    'evolmm bench --model tfjs:./models/tiny --benchmark chartqa-sample,synthetic --limit 20',
    'evolmm bench -m tfjs=tfjs:./models/tiny -m onnx=onnx:./models/tiny-onnx -b chartqa-sample',
    'evolmm bench -m openai:http://localhost:8000/v1#qwen -b chartqa,mathvista --data chartqa="./ChartQA Dataset/test" --data mathvista=./MathVista/data',
  ],
  async run({ io, values }) {
    const specs = listOpt(values, 'model');
    if (specs.length === 0) throw new EvolmmError('INVALID_ARGUMENT', '--model is required (repeat it to compare backends), e.g. --model tfjs:./models/tiny');
    const names = listOpt(values, 'benchmark');
    const dataDirs: Record<string, string> = {};
    for (const entry of listOpt(values, 'data')) {
      const eq = entry.indexOf('=');
      if (eq <= 0) throw new EvolmmError('INVALID_ARGUMENT', `--data takes name=folder, got '${entry}'`);
      dataDirs[entry.slice(0, eq)] = path.resolve(io.cwd, entry.slice(eq + 1));
    }
    const { benchmarks, loadOptions } = await benchmarksByName(names, dataDirs, { syntheticCount: intOpt(values, 'synthetic-count', { min: 1 }) });
    const device = stringOpt(values, 'device');
    const concurrency = intOpt(values, 'concurrency', { min: 1 }) ?? 1;
    const entries: { id: string; model: VisionLanguageModel; concurrency: number }[] = [];
    try {
      for (const raw of specs) {
        const m = /^([A-Za-z0-9_.-]+)=(.+)$/.exec(raw);
        const [id, spec] = m ? [m[1]!, m[2]!] : [raw, raw];
        entries.push({ id, model: await resolveModel(spec, device ? { device, backend: device } : {}), concurrency });
      }
      const { runBench } = await import('@evolmm/bench');
      const outDir = path.resolve(io.cwd, stringOpt(values, 'out') ?? 'bench-out');
      let bar: ReturnType<typeof createProgress> | undefined;
      const mnt = intOpt(values, 'max-new-tokens', { min: 1 });
      const temperature = floatOpt(values, 'temperature');
      const run = await runBench({
        models: entries,
        benchmarks,
        loadOptions,
        limit: intOpt(values, 'limit', { min: 1 }),
        outDir,
        generation: { ...(mnt !== undefined ? { maxNewTokens: mnt } : {}), ...(temperature !== undefined ? { temperature } : {}) },
        signal: io.signal,
        onProgress(ev) {
          bar ??= createProgress({ total: ev.total, stream: io.stderr, label: 'bench' });
          bar.update(ev.done, `${ev.model} ${ev.benchmark}${ev.cached ? ' (cached)' : ''}`);
        },
      });
      bar?.finish();
      if (values.json) {
        writeLine(io.stdout, JSON.stringify(run.results.map((r) => ({ model: r.model, benchmark: r.benchmark, summary: r.summary, throughput: r.throughput })), null, 2));
      } else {
        for (const r of run.results) writeLine(io.stdout, `${r.model}  ${r.benchmark}: ${r.summary.accuracy.toFixed(2)} % (${r.summary.correct}/${r.summary.total})`);
        writeLine(io.stdout, `report: ${path.join(outDir, 'report.html')}`);
      }
    } finally {
      for (const e of entries) await e.model.dispose();
    }
    return 0;
  },
};

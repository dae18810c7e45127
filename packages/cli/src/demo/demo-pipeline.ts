import fs from 'node:fs';
import path from 'node:path';
import {
  EVENTS_FILE,
  POLICY_DIR,
  createProgress,
  evolve,
  latestCheckpoint,
  readJsonl,
  renderRunReport,
  sft,
  writeFileAtomic,
  writeJsonAtomic,
} from '@evolmm/core';
import type { ProgressReporter, TrainablePolicy, VisionLanguageModel } from '@evolmm/core';
import { chartqaSampleDir } from '../benchmarks.js';

/**
 * The built-in demo (the README's main job), end to end on CPU with no downloads:
 *   1. a small random Qwen2.5-VL checkpoint from the factory;
 *   2. synthetic chart images: a labeled warm-start set, an unlabeled evolve set, a held-out eval set;
 *   3. `sft` warm start, so the model has partial skill (issue 9: the before/after comparison must mean something);
 *   4. `evolve` on the unlabeled images (labels never read);
 *   5. `bench` before and after, with tfjs and with the ONNX export, on held-out synthetic charts and on the
 *      ChartQA sample shipped with @evolmm/bench;
 *   6. one HTML page linking the evolve-run report and the benchmark report.
 * Each stage's output is cached in the demo folder, so a second run reuses what exists.
 */
export interface DemoOptions {
  readonly dir: string;
  /** Start over (delete the demo folder first). */
  readonly fresh?: boolean;
  readonly sftSteps?: number;
  readonly iterations?: number;
  readonly evalCount?: number;
  readonly chartqaLimit?: number;
  readonly seed?: number;
  readonly backend?: string;
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly signal?: AbortSignal;
}

export interface DemoResult {
  readonly report: string;
  readonly results: Array<{ model: string; benchmark: string; accuracy: number; correct: number; total: number }>;
  readonly minutes: number;
}

/** Demo-scale settings, documented in the CLI help. The paper's lr (1e-6) moves a model only over thousands of steps. */
export const DEMO_DEFAULTS = {
  sftSteps: 300,
  sftLearningRate: 3e-3,
  iterations: 40,
  evolveLearningRate: 2e-4,
  maxNewTokens: 24,
  evalCount: 40,
  chartqaLimit: 20,
  seed: 42,
} as const;

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const t0 = Date.now();
  const dir = path.resolve(opts.dir);
  if (opts.fresh) fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const say = (line: string) => opts.stream.write(`${line}\n`);
  const seed = opts.seed ?? DEMO_DEFAULTS.seed;
  const backend = opts.backend ?? 'auto';
  const p = (name: string) => path.join(dir, name);

  const { createCheckpoint } = await import('@evolmm/qwen-vl');
  const bench = await import('@evolmm/bench');
  const { loadTfjsModel } = await import('@evolmm/backend-tfjs');
  const { exportOnnx, loadOnnxModel } = await import('@evolmm/backend-onnx');

  // 1. model
  say('[1/6] model');
  if (!fs.existsSync(path.join(p('model-base'), 'config.json'))) {
    const res = await createCheckpoint(p('model-base'), { preset: 'tiny', variant: 'qwen2.5-vl', seed });
    say(`  built a tiny Qwen2.5-VL checkpoint (${res.params.toLocaleString('en-US')} parameters) in ${p('model-base')}`);
  } else say(`  reusing ${p('model-base')}`);

  // 2. data
  say('[2/6] synthetic charts');
  const datasets = [
    { name: 'charts-labeled', count: 200, seed: seed + 1 },
    { name: 'charts-unlabeled', count: 60, seed: seed + 2 },
    { name: 'charts-eval', count: opts.evalCount ?? DEMO_DEFAULTS.evalCount, seed: seed + 3 },
  ];
  for (const d of datasets) {
    if (fs.existsSync(path.join(p(d.name), 'manifest.jsonl'))) continue;
    await bench.writeSyntheticDataset(p(d.name), { count: d.count, seed: d.seed, signal: opts.signal });
  }
  say(`  ${datasets.map((d) => `${d.name}: ${d.count}`).join(', ')} (easy bar/line/pie charts, 224×224)`);

  const load = (folder: string, extra: Record<string, unknown> = {}) =>
    loadTfjsModel(folder, { backend: backend as 'auto', seed, ...extra }) as Promise<TrainablePolicy & { mergeAdapter(n: string, out: string): Promise<void>; loadCheckpoint(d: string): Promise<void> }>;
  const bar = (total: number, label: string, start = 0): ProgressReporter => createProgress({ total, stream: opts.stream, label, startDone: start });

  // 3. warm start
  say('[3/6] supervised warm start (sft on the labeled charts)');
  if (!fs.existsSync(path.join(p('model-warm'), 'config.json'))) {
    const policy = await load(p('model-base'));
    try {
      let pb: ProgressReporter | undefined;
      await sft({
        policy,
        data: path.join(p('charts-labeled'), 'manifest.jsonl'),
        out: p('run-sft'),
        epochs: 100,
        maxSteps: opts.sftSteps ?? DEMO_DEFAULTS.sftSteps,
        learningRate: DEMO_DEFAULTS.sftLearningRate,
        checkpointEvery: 100,
        seed,
        resume: fs.existsSync(path.join(p('run-sft'), EVENTS_FILE)),
        signal: opts.signal,
        onProgress(ev) {
          if (ev.type === 'start') pb = bar(ev.total, 'sft', ev.step);
          else if (ev.type === 'step') pb?.update(ev.step, `nll ${ev.event.nll.toFixed(3)}`);
          else if (ev.type === 'done') pb?.finish();
        },
      });
      await policy.mergeAdapter('default', p('model-warm'));
    } finally {
      await policy.dispose();
    }
  } else say(`  reusing ${p('model-warm')}`);

  // 4. evolve
  say('[4/6] evolve on unlabeled charts (no labels are read)');
  if (!fs.existsSync(path.join(p('model-evolved'), 'config.json'))) {
    const { evolmmRewards } = await import('@evolmm/rewards');
    const rewards = evolmmRewards();
    const policy = await load(p('model-warm'));
    try {
      let pb: ProgressReporter | undefined;
      const res = await evolve({
        policy,
        solverReward: rewards.solver,
        proposerReward: rewards.proposer,
        images: path.join(p('charts-unlabeled'), 'manifest.jsonl'),
        out: p('run-evolve'),
        iterations: opts.iterations ?? DEMO_DEFAULTS.iterations,
        learningRate: DEMO_DEFAULTS.evolveLearningRate,
        solverMaxNewTokens: DEMO_DEFAULTS.maxNewTokens,
        proposerMaxNewTokens: DEMO_DEFAULTS.maxNewTokens,
        checkpointEvery: 10,
        seed,
        resume: fs.existsSync(path.join(p('run-evolve'), EVENTS_FILE)),
        signal: opts.signal,
        onProgress(ev) {
          if (ev.type === 'start') pb = bar(ev.total, 'evolve', ev.iteration);
          else if (ev.type === 'iteration') pb?.update(ev.iteration, `H ${ev.event.entropy.toFixed(2)} maj ${ev.event.majorityFraction.toFixed(1)}`);
          else if (ev.type === 'done') pb?.finish();
        },
      });
      const ckpt = latestCheckpoint(path.join(res.out, 'checkpoints'));
      if (ckpt) await policy.loadCheckpoint(path.join(ckpt.dir, POLICY_DIR));
      await policy.mergeAdapter('default', p('model-evolved'));
    } finally {
      await policy.dispose();
    }
  } else say(`  reusing ${p('model-evolved')}`);
  const evolveReport = renderRunReport(readJsonl(path.join(p('run-evolve'), EVENTS_FILE)), { title: 'evolmm demo: evolve run' });
  writeFileAtomic(path.join(p('run-evolve'), 'report.html'), evolveReport.html);
  writeFileAtomic(path.join(p('run-evolve'), 'report.md'), evolveReport.markdown);

  // 5. ONNX exports + benchmarks
  say('[5/6] export to ONNX, then benchmark before/after with tfjs and onnx');
  for (const name of ['model-warm', 'model-evolved']) {
    if (!fs.existsSync(path.join(p(`${name}-onnx`), 'onnx'))) await exportOnnx(p(name), p(`${name}-onnx`), { dtype: 'fp32' });
  }
  const models: Array<{ id: string; model: VisionLanguageModel }> = [];
  try {
    models.push({ id: 'before-tfjs', model: await loadTfjsModel(p('model-warm'), { backend: backend as 'auto', lora: false }) });
    models.push({ id: 'after-tfjs', model: await loadTfjsModel(p('model-evolved'), { backend: backend as 'auto', lora: false }) });
    models.push({ id: 'before-onnx', model: await loadOnnxModel(p('model-warm-onnx'), { device: 'auto' }) });
    models.push({ id: 'after-onnx', model: await loadOnnxModel(p('model-evolved-onnx'), { device: 'auto' }) });
    let pb: ProgressReporter | undefined;
    const run = await bench.runBench({
      models,
      benchmarks: [bench.syntheticCharts({ name: 'synthetic-charts' }), bench.chartqa({ dataDir: chartqaSampleDir(), missingImages: 'skip' })],
      loadOptions: { 'synthetic-charts': { dataDir: p('charts-eval') } },
      limit: Math.max(opts.evalCount ?? DEMO_DEFAULTS.evalCount, opts.chartqaLimit ?? DEMO_DEFAULTS.chartqaLimit),
      outDir: p('bench'),
      generation: { maxNewTokens: DEMO_DEFAULTS.maxNewTokens },
      signal: opts.signal,
      onProgress(ev) {
        pb ??= bar(ev.total, 'bench');
        pb.update(ev.done, `${ev.model} ${ev.benchmark}`);
      },
    });
    pb?.finish();
    const results = run.results.map((r) => ({ model: r.model, benchmark: r.benchmark, accuracy: r.summary.accuracy, correct: r.summary.correct, total: r.summary.total }));

    // 6. the page
    say('[6/6] report');
    const summary = evolveReport.summary as unknown as Record<string, unknown>;
    const rows = results.map((r) => [r.model, r.benchmark, `${r.accuracy.toFixed(1)} %`, `${r.correct}/${r.total}`]);
    const html = bench.htmlPage('evolmm demo', [
      {
        body:
          `<p>A tiny Qwen2.5-VL (random weights, warm-started with ${opts.sftSteps ?? DEMO_DEFAULTS.sftSteps} supervised steps on labeled synthetic charts) ` +
          `self-evolved for ${opts.iterations ?? DEMO_DEFAULTS.iterations} EvoLMM iterations on unlabeled charts, then benchmarked before and after with ` +
          'two backends (TensorFlow.js and the ONNX export run by onnxruntime-node). Finished in ' +
          `${((Date.now() - t0) / 60000).toFixed(1)} minutes. Demo-scale learning rates; the paper's settings are the CLI defaults.</p>`,
      },
      { title: 'Accuracy before and after', body: bench.htmlTable(['model', 'benchmark', 'accuracy', 'correct'], rows) },
      { title: 'Reports', body: '<ul><li><a href="run-evolve/report.html">evolve run: rewards, entropy, KL, β over iterations</a></li><li><a href="bench/report.html">benchmark report: breakdowns, agreement between backends, throughput</a></li><li><a href="run-sft/">warm-start run folder</a></li></ul>' },
      { title: 'Evolve summary', body: `<pre>${bench.escapeHtml(JSON.stringify(summary, null, 2).slice(0, 4000))}</pre>` },
    ]);
    const report = path.join(dir, 'index.html');
    writeFileAtomic(report, html);
    writeJsonAtomic(path.join(dir, 'demo-results.json'), { results, minutes: (Date.now() - t0) / 60000 });
    return { report, results, minutes: (Date.now() - t0) / 60000 };
  } finally {
    for (const m of models) await m.model.dispose();
  }
}

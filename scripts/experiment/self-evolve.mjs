#!/usr/bin/env node
// Issue 9: does label-free self-evolution (EvoLMM's evolve) raise held-out accuracy of a small Qwen2.5-VL-shaped
// model? Per seed: build a small random model → supervised warm start (sft) on labeled synthetic charts →
// greedy + majority-vote eval on a held-out set → for each condition (continuous reward, discrete reward, no KL)
// evolve on *unlabeled* charts from the same warm model → eval again. Then paired statistics across seeds and a
// report. Every stage is cached in the output folder, so a rerun continues where it stopped (docs/experiment.md).
//
//   npm run experiment:self-evolve -- [--quick] [--seeds 3] [--jobs 1] [--out experiment-out] [--help]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  EVENTS_FILE,
  POLICY_DIR,
  PROPOSER_PROMPT,
  evolve,
  latestCheckpoint,
  normalizeAnswer,
  parseAnswer,
  readJsonl,
  sft,
  solverPrompt,
  writeFileAtomic,
  writeJsonAtomic,
} from '@evolmm/core';
import { renderReport } from './report.mjs';
import { summarize } from './stats.mjs';

const SCRIPT = fileURLToPath(import.meta.url);

/** Full-run settings (docs/experiment.md explains each choice). `--quick` shrinks them for a smoke check. */
const FULL = {
  seeds: 3,
  jobs: 3,
  hidden: 64,
  layers: 2,
  kinds: 'bar',
  qtypes: 'count',
  difficulty: 'easy',
  labeled: 300,
  unlabeled: 120,
  evalCount: 60,
  valCount: 24,
  proposerShare: 0.34,
  sftChunk: 20,
  sftSteps: 200,
  sftTarget: 0.65,
  sftLr: 3e-3,
  iterations: 40,
  lr: 3e-3,
  n: 5,
  temperature: 1,
  solverTokens: 20,
  proposerTokens: 48,
  solverUpdate: 'batched',
  majoritySamples: 5,
  conditions: 'continuous,discrete,no-kl',
  out: 'experiment-out',
};
const QUICK = { seeds: 2, labeled: 40, unlabeled: 8, evalCount: 8, valCount: 6, sftChunk: 10, sftSteps: 20, iterations: 3, majoritySamples: 3, conditions: 'continuous,no-kl' };
const NUMERIC = new Set(['seeds', 'jobs', 'hidden', 'layers', 'labeled', 'unlabeled', 'evalCount', 'valCount', 'sftChunk', 'sftTarget', 'proposerShare', 'sftSteps', 'sftLr', 'iterations', 'lr', 'n', 'temperature', 'solverTokens', 'proposerTokens', 'majoritySamples', 'workerSeed']);

/** The three conditions of the issue: the EvoLMM default and its two ablations (docs/method.md §3, §6.2). */
const CONDITIONS = {
  continuous: { solverReward: 'continuous', klPenalty: true },
  discrete: { solverReward: 'discrete', klPenalty: true },
  'no-kl': { solverReward: 'continuous', klPenalty: false },
};

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--quick') args.quick = true;
    else if (a === '--report-only') args.reportOnly = true;
    else if (a.startsWith('--')) {
      const key = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
      const eq = key.indexOf('=');
      const [k, v] = eq >= 0 ? [key.slice(0, eq), a.slice(a.indexOf('=') + 1)] : [key, argv[++i]];
      if (v === undefined) throw new Error(`${a} needs a value`);
      if (!(k in FULL) && k !== 'workerSeed' && k !== 'seedList') throw new Error(`unknown option --${k}; known: ${Object.keys(FULL).join(', ')}`);
      args[k] = NUMERIC.has(k) ? Number(v) : v;
      if (NUMERIC.has(k) && !Number.isFinite(args[k])) throw new Error(`--${k} expects a number, got ${v}`);
    } else throw new Error(`unexpected argument ${a}`);
  }
  return args;
}

function settings(args) {
  const cfg = { ...FULL, ...(args.quick ? QUICK : {}), ...args };
  if (args.quick && !args.out) cfg.out = path.join(FULL.out, 'quick');
  cfg.out = path.resolve(cfg.out);
  cfg.kinds = String(cfg.kinds).split(',');
  cfg.qtypes = String(cfg.qtypes).split(',');
  cfg.conditions = String(cfg.conditions).split(',');
  for (const c of cfg.conditions) if (!(c in CONDITIONS)) throw new Error(`unknown condition ${c}; known: ${Object.keys(CONDITIONS).join(', ')}`);
  delete cfg.help;
  delete cfg.reportOnly;
  delete cfg.workerSeed;
  delete cfg.seedList;
  return cfg;
}

const log = (...xs) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...xs);
const exists = (p) => fs.existsSync(p);

/** Datasets shared by all seeds (the seed varies the model and training streams; the eval items stay paired). */
async function ensureData(cfg) {
  const bench = await import('@evolmm/bench');
  const dataDir = path.join(cfg.out, 'data');
  const sets = { labeled: [cfg.labeled, 101], unlabeled: [cfg.unlabeled, 102], eval: [cfg.evalCount, 103], val: [cfg.valCount, 104] };
  for (const [name, [count, seed]] of Object.entries(sets)) {
    const dir = path.join(dataDir, name);
    if (exists(path.join(dir, 'manifest.jsonl'))) continue;
    await bench.writeSyntheticDataset(dir, { count, seed, kinds: cfg.kinds, questionTypes: cfg.qtypes, difficulty: [cfg.difficulty] });
  }
  // evolve gets an image-only manifest: the labels of the unlabeled set are never handed to it.
  const imagesOnly = path.join(dataDir, 'unlabeled-images.jsonl');
  if (!exists(imagesOnly)) {
    const lines = readJsonl(path.join(dataDir, 'unlabeled', 'manifest.jsonl')).map((e) => JSON.stringify({ image: path.join('unlabeled', e.image) }) + '\n');
    writeFileAtomic(imagesOnly, lines.join(''));
  }
  return dataDir;
}

function userMessage(image, text) {
  return [{ role: 'user', content: [{ type: 'image', image }, { type: 'text', text }] }];
}

/**
 * Greedy accuracy per item, plus the majority vote of k samples at the evolve temperature (the diagnostic of
 * issue 9: self-consistency training can only help where the majority is more often right than greedy).
 */
async function evaluate(policy, items, cfg, seed) {
  const { matchAnswer } = await import('@evolmm/bench');
  const out = [];
  for (const [idx, it] of items.entries()) {
    const messages = userMessage(it.image, solverPrompt(it.question));
    const expected = { answer: it.answer, answerType: it.answerType, aliases: it.aliases };
    const [g] = await policy.generate({ messages, n: 1, temperature: 0, maxNewTokens: cfg.solverTokens, adapter: 'default' });
    const samples = cfg.majoritySamples <= 0 ? [] : await policy.generate({
      messages,
      n: cfg.majoritySamples,
      temperature: cfg.temperature,
      maxNewTokens: cfg.solverTokens,
      seed: seed * 100003 + idx,
      adapter: 'default',
    });
    const counts = new Map();
    for (const s of samples) {
      const a = normalizeAnswer(parseAnswer(s.text));
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    // Ties go to the answer seen first (Map keeps insertion order), as in core's answerStats.
    let [maj, majCount] = ['', 0];
    for (const [a, c] of counts) if (c > majCount) [maj, majCount] = [a, c];
    out.push({
      id: it.id,
      greedy: g.text,
      correct: matchAnswer(g.text, expected).correct ? 1 : 0,
      majority: maj,
      majorityCorrect: matchAnswer(`<answer>${maj}</answer>`, expected).correct ? 1 : 0,
      majorityFraction: samples.length ? majCount / samples.length : NaN,
    });
  }
  const mean = (k) => out.reduce((s, r) => s + r[k], 0) / Math.max(1, out.length);
  return { accuracy: mean('correct'), majorityAccuracy: mean('majorityCorrect'), majorityFraction: mean('majorityFraction'), items: out };
}

async function cachedEval(file, make) {
  if (exists(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  const r = await make();
  writeJsonAtomic(file, r);
  return r;
}

/** One seed: model → warm start → before-eval → each condition's evolve → after-eval. Every step is resumable. */
async function runSeed(cfg, seed) {
  const { createCheckpoint } = await import('@evolmm/qwen-vl');
  const { loadTfjsModel } = await import('@evolmm/backend-tfjs');
  const { evolmmRewards } = await import('@evolmm/rewards');
  const dataDir = path.join(cfg.out, 'data');
  const dir = path.join(cfg.out, `seed-${seed}`);
  const p = (...xs) => path.join(dir, ...xs);
  fs.mkdirSync(dir, { recursive: true });
  const load = (folder) => loadTfjsModel(folder, { backend: 'wasm', seed, learningRate: cfg.lr });
  const evalItems = readJsonl(path.join(dataDir, 'eval', 'manifest.jsonl')).map((e) => ({ ...e, image: path.join(dataDir, 'eval', e.image) }));

  if (!exists(p('model-base', 'config.json'))) {
    const h = cfg.hidden;
    await createCheckpoint(p('model-base'), {
      preset: 'tiny',
      variant: 'qwen2.5-vl',
      seed,
      text: { hiddenSize: h, intermediateSize: 2 * h, numHiddenLayers: cfg.layers, numAttentionHeads: 4, numKeyValueHeads: 2, headDim: h / 4 },
    });
  }

  // Warm start: one model learns both roles. Solver records: solver prompt → <answer>; proposer records: the
  // EvoLMM proposer prompt → <question> of a labeled item (so the proposer asks the kind of question the solver
  // can answer). Merged into the weights, so evolve's fresh LoRA adapters both start from the warm model and
  // its KL reference (adapters off) is the warm model.
  if (!exists(p('model-warm', 'config.json'))) {
    const labeled = readJsonl(path.join(dataDir, 'labeled', 'manifest.jsonl')).map((e) => ({ ...e, image: path.join(dataDir, 'labeled', e.image) }));
    const records = labeled.map((e) => ({ image: e.image, question: e.question, answer: `<answer>${e.answer}</answer>` }));
    const every = Math.max(1, Math.round(1 / Math.max(1e-9, cfg.proposerShare)));
    labeled.forEach((e, i) => {
      if (cfg.proposerShare > 0 && i % every === 0) records.push({ image: e.image, question: '\u0000propose', answer: `<question>${e.question}</question>` });
    });
    const valItems = readJsonl(path.join(dataDir, 'val', 'manifest.jsonl')).map((e) => ({ ...e, image: path.join(dataDir, 'val', e.image) }));
    const policy = await load(p('model-base'));
    try {
      const t0 = Date.now();
      // "Until partial skill" (issue 9): train in chunks and stop once greedy accuracy on a small *labeled
      // validation* split (never the held-out eval set) reaches sftTarget, or at sftSteps.
      const trace = exists(p('sft-trace.json')) ? JSON.parse(fs.readFileSync(p('sft-trace.json'), 'utf8')) : [];
      let steps = trace.length ? trace[trace.length - 1].steps : 0;
      let val = trace.length ? trace[trace.length - 1].valAccuracy : 0;
      while (steps < cfg.sftSteps && !(trace.length && val >= cfg.sftTarget)) {
        steps = Math.min(cfg.sftSteps, steps + cfg.sftChunk);
        await sft({
          policy,
          data: records,
          out: p('run-sft'),
          epochs: 1000,
          maxSteps: steps,
          learningRate: cfg.sftLr,
          targetTemplate: '{answer}',
          prompt: (r) => (r.question === '\u0000propose' ? PROPOSER_PROMPT : solverPrompt(r.question)),
          checkpointEvery: cfg.sftChunk,
          seed,
          resume: exists(p('run-sft', EVENTS_FILE)),
        });
        val = (await evaluate(policy, valItems, { ...cfg, majoritySamples: 0 }, seed)).accuracy;
        trace.push({ steps, valAccuracy: val });
        writeJsonAtomic(p('sft-trace.json'), trace);
        log(`seed ${seed}: sft ${steps} steps, validation greedy ${(100 * val).toFixed(1)} %`);
      }
      log(`seed ${seed}: warm start ${steps} sft steps in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      await policy.mergeAdapter('default', p('model-warm'));
    } finally {
      await policy.dispose();
    }
  }

  const before = await cachedEval(p('eval-warm.json'), async () => {
    const policy = await load(p('model-warm'));
    try {
      const t0 = Date.now();
      const r = await evaluate(policy, evalItems, cfg, seed);
      log(`seed ${seed}: warm greedy ${(100 * r.accuracy).toFixed(1)} %, majority@${cfg.majoritySamples} ${(100 * r.majorityAccuracy).toFixed(1)} % (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      return r;
    } finally {
      await policy.dispose();
    }
  });

  const conditions = {};
  for (const name of cfg.conditions) {
    const spec = CONDITIONS[name];
    const runDir = p(`run-evolve-${name}`);
    const after = await cachedEval(p(`eval-${name}.json`), async () => {
      const policy = await load(p('model-warm'));
      try {
        const rewards = evolmmRewards({ solverReward: spec.solverReward });
        const t0 = Date.now();
        await evolve({
          policy,
          solverReward: rewards.solver,
          proposerReward: rewards.proposer,
          images: { manifest: path.join(dataDir, 'unlabeled-images.jsonl') },
          out: runDir,
          iterations: cfg.iterations,
          n: cfg.n,
          learningRate: cfg.lr,
          klPenalty: spec.klPenalty,
          temperature: cfg.temperature,
          solverMaxNewTokens: cfg.solverTokens,
          proposerMaxNewTokens: cfg.proposerTokens,
          solverUpdate: cfg.solverUpdate,
          checkpointEvery: Math.max(1, Math.ceil(cfg.iterations / 4)),
          seed,
          resume: exists(path.join(runDir, EVENTS_FILE)),
        });
        const ckpt = latestCheckpoint(path.join(runDir, 'checkpoints'));
        if (ckpt) await policy.loadCheckpoint(path.join(ckpt.dir, POLICY_DIR));
        const t1 = Date.now();
        const r = await evaluate(policy, evalItems, cfg, seed);
        log(`seed ${seed} ${name}: evolve ${((t1 - t0) / 1000).toFixed(0)} s, greedy ${(100 * before.accuracy).toFixed(1)} → ${(100 * r.accuracy).toFixed(1)} %`);
        return r;
      } finally {
        await policy.dispose();
      }
    });
    const events = readJsonl(path.join(runDir, EVENTS_FILE)).filter((e) => e.type === 'iteration');
    conditions[name] = {
      after,
      curves: events.map((e) => ({
        iteration: e.iteration,
        majorityFraction: e.majorityFraction,
        entropy: e.entropy,
        kl: e.solver.kl,
        beta: e.solver.betaAfter,
        reward: e.solver.rewards.reduce((a, b) => a + b, 0) / e.solver.rewards.length,
        proposerTagged: e.proposer.tagged ? 1 : 0,
        question: e.proposer.question,
      })),
    };
  }
  const sftTrace = JSON.parse(fs.readFileSync(p('sft-trace.json'), 'utf8'));
  const result = { seed, sftTrace, before, conditions };
  writeJsonAtomic(p('seed-result.json'), result);
  return result;
}

function runWorker(seed, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...argv, '--worker-seed', String(seed)], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`seed ${seed} worker exited with ${code}`))));
  });
}

/** results.json, results.md and report.html, each written atomically; the markdown is also printed. */
function writeResults(out, results) {
  writeJsonAtomic(path.join(out, 'results.json'), results);
  const { markdown, html } = renderReport(results);
  writeFileAtomic(path.join(out, 'results.md'), markdown);
  writeFileAtomic(path.join(out, 'report.html'), html);
  console.log(markdown);
}

async function main() {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  if (args.help) {
    console.log(`usage: node scripts/experiment/self-evolve.mjs [--quick] [--report-only] [--seeds N] [--jobs J] [--out DIR] [--<setting> value]\nsettings (full-run defaults): ${JSON.stringify(FULL, null, 1)}\nquick overrides: ${JSON.stringify(QUICK)}`);
    return;
  }
  const cfg = settings(args);
  if (args.reportOnly) {
    // Re-aggregate and re-render from the seed folders that have finished (seed-*/seed-result.json), e.g. after
    // editing report.mjs or to look at a run that is still going. Marked partial when seeds are missing.
    const done = fs.readdirSync(cfg.out).filter((d) => /^seed-\d+$/.test(d) && exists(path.join(cfg.out, d, 'seed-result.json')));
    const perSeed = done.map((d) => JSON.parse(fs.readFileSync(path.join(cfg.out, d, 'seed-result.json'), 'utf8'))).sort((a, b) => a.seed - b.seed);
    if (!perSeed.length) throw new Error(`no finished seed in ${cfg.out} (seed-*/seed-result.json)`);
    const saved = JSON.parse(fs.readFileSync(path.join(cfg.out, 'settings.json'), 'utf8'));
    const prev = exists(path.join(cfg.out, 'results.json')) ? JSON.parse(fs.readFileSync(path.join(cfg.out, 'results.json'), 'utf8')) : {};
    const results = {
      date: prev.date ?? new Date().toISOString(),
      command: prev.command ?? '(aggregated with --report-only)',
      minutesThisInvocation: prev.minutesThisInvocation ?? NaN,
      machine: prev.machine ?? { cpus: os.cpus().length, loadavg: os.loadavg(), node: process.version },
      partial: perSeed.length < saved.seeds ? `${perSeed.length} of ${saved.seeds} seeds finished` : undefined,
      settings: saved,
      stats: summarize(perSeed, saved.conditions),
      seeds: perSeed,
    };
    writeResults(cfg.out, results);
    return;
  }
  // --seed-list 3,5 runs just those seeds (e.g. a follow-up on one warm model copied from another run).
  const seeds = args.seedList ? String(args.seedList).split(',').map(Number) : Array.from({ length: cfg.seeds }, (_, k) => k + 1);
  if (args.workerSeed !== undefined) {
    await runSeed(cfg, args.workerSeed);
    return;
  }
  const t0 = Date.now();
  fs.mkdirSync(cfg.out, { recursive: true });
  const settingsFile = path.join(cfg.out, 'settings.json');
  const { jobs: _j, seeds: _s, ...hashed } = cfg;
  if (exists(settingsFile)) {
    const old = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
    const { jobs: _oj, seeds: _os, ...oldHashed } = old;
    if (JSON.stringify(oldHashed) !== JSON.stringify(hashed)) {
      throw new Error(`${cfg.out} holds a run with other settings (${settingsFile}); use another --out or delete the folder`);
    }
  }
  writeJsonAtomic(settingsFile, cfg);
  log(`self-evolve experiment: ${seeds.length} seeds × [${cfg.conditions.join(', ')}] → ${cfg.out}; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  await ensureData(cfg);
  const perSeed = [];
  if (cfg.jobs <= 1) {
    for (const s of seeds) perSeed.push(await runSeed(cfg, s));
  } else {
    const queue = [...seeds];
    await Promise.all(Array.from({ length: Math.min(cfg.jobs, seeds.length) }, async () => {
      while (queue.length) await runWorker(queue.shift(), argv);
    }));
    for (const s of seeds) perSeed.push(JSON.parse(fs.readFileSync(path.join(cfg.out, `seed-${s}`, 'seed-result.json'), 'utf8')));
  }
  const minutes = (Date.now() - t0) / 60000;
  const stats = summarize(perSeed, cfg.conditions);
  const results = {
    date: new Date().toISOString(),
    command: `node scripts/experiment/self-evolve.mjs ${argv.join(' ')}`.trim(),
    minutesThisInvocation: minutes,
    machine: { cpus: os.cpus().length, loadavg: os.loadavg(), node: process.version },
    settings: cfg,
    stats,
    seeds: perSeed,
  };
  writeResults(cfg.out, results);
  log(`done in ${minutes.toFixed(1)} min: ${path.join(cfg.out, 'report.html')}`);
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exitCode = 1;
});

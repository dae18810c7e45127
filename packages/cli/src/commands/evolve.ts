import path from 'node:path';
import { EvolmmError, createProgress, evolve, validateEvolveConfig } from '@evolmm/core';
import type { EvolveConfig } from '@evolmm/core';
import { floatOpt, intOpt, stringOpt } from '../args.js';
import type { Command } from '../command.js';
import { readConfigFile } from '../config-file.js';
import { writeLine } from '../io.js';
import { resolvePolicy } from '../policy.js';
import { rewardsFromConfig } from '../rewards-config.js';

export const evolveCommand: Command = {
  name: 'evolve',
  summary: 'self-evolve a model on unlabeled images (EvoLMM: proposer asks, solver answers N times, agreement is the reward)',
  usage: '--model tfjs:<hf-folder> --images <dir|glob|manifest.jsonl> --out <run-dir> [options]',
  description:
    "Every default is the paper's (docs/method.md): N=5, γ=0.7, τ=6, λ=0.1, μ_H=0.9, σ_H=0.35, lr 1e-6, β₀=1e-3 adaptive\n" +
    'toward KL 0.02, proposer updated every 5 iterations, checkpoints every 50. A --config file (YAML or JSON) takes\n' +
    'any EvolveConfig key plus `model` and `rewards`; flags override it. Ctrl-C stops at a safe point; --resume continues.',
  positionals: [0, 0],
  options: {
    model: { type: 'string', short: 'm', description: 'trainable model, e.g. tfjs:./models/Qwen2.5-VL-3B-Instruct' },
    images: { type: 'string', description: 'image folder, glob, or manifest.jsonl' },
    out: { type: 'string', short: 'o', description: 'run folder (events.jsonl, checkpoints/)' },
    config: { type: 'string', short: 'c', description: 'YAML or JSON config file' },
    iterations: { type: 'string', description: 'iterations, one image each (default 100)' },
    n: { type: 'string', short: 'n', description: 'solver samples per question (default 5)' },
    seed: { type: 'string', description: 'seed (default 42)' },
    lr: { type: 'string', description: 'learning rate (default 1e-6)' },
    'checkpoint-every': { type: 'string', description: 'checkpoint every K iterations (default 50)' },
    'max-new-tokens': { type: 'string', description: 'solver and proposer generation limit (default 128)' },
    baseline: { type: 'string', description: 'ema (paper) or group-mean (leave-one-out)' },
    'solver-update': { type: 'string', description: 'per-sample (paper) or batched' },
    reward: { type: 'string', description: 'continuous (paper) or discrete (majority-vote ablation)' },
    matcher: { type: 'string', description: 'answer equivalence: string (paper), numeric or semantic' },
    'no-kl': { type: 'boolean', description: 'the no-KL ablation (β fixed at 0)' },
    'proposer-temperature': { type: 'string', description: "the proposer's own sampling temperature (default: the paper's 1.0)" },
    backend: { type: 'string', description: 'tfjs backend: auto, gpu, native, wasm or cpu (default auto)' },
    'data-parallel': {
      type: 'string',
      description: 'tfjs replicas per step (this thread + worker threads, weights × n); helps --solver-update batched on wasm (default 1)',
    },
    resume: { type: 'boolean', description: 'continue from the newest complete checkpoint in --out' },
    overwrite: { type: 'boolean', description: 'delete an existing run in --out and start over' },
    json: { type: 'boolean', description: 'print the result summary as JSON' },
  },
  examples: [
    'evolmm evolve --model tfjs:./models/Qwen2.5-VL-3B-Instruct --images ./charts --out runs/r1',
    'evolmm evolve --config evolve.yaml --resume',
    'evolmm evolve -m tfjs:./models/tiny --images ./imgs/manifest.jsonl -o runs/ablation --reward discrete --no-kl --iterations 200',
  ],
  async run({ io, values }) {
    const file = stringOpt(values, 'config');
    const fromFile = file ? readConfigFile(path.resolve(io.cwd, file)) : {};
    const merged: Record<string, unknown> = { ...fromFile };
    const set = (key: string, v: unknown) => {
      if (v !== undefined) merged[key] = v;
    };
    set('model', stringOpt(values, 'model'));
    set('images', stringOpt(values, 'images'));
    set('out', stringOpt(values, 'out'));
    set('iterations', intOpt(values, 'iterations', { min: 1 }));
    set('n', intOpt(values, 'n', { min: 1 }));
    set('seed', intOpt(values, 'seed'));
    set('learningRate', floatOpt(values, 'lr'));
    set('checkpointEvery', intOpt(values, 'checkpoint-every', { min: 1 }));
    const mnt = intOpt(values, 'max-new-tokens', { min: 1 });
    set('solverMaxNewTokens', mnt);
    set('proposerMaxNewTokens', mnt);
    set('baseline', stringOpt(values, 'baseline'));
    set('solverUpdate', stringOpt(values, 'solver-update'));
    set('proposerTemperature', floatOpt(values, 'proposer-temperature'));
    if (values['no-kl']) merged.klPenalty = false;
    if (values.resume) merged.resume = true;
    if (values.overwrite) merged.overwrite = true;
    const rewardsCfg = { ...((merged.rewards as Record<string, unknown> | undefined) ?? {}) };
    if (stringOpt(values, 'reward')) rewardsCfg.solverReward = stringOpt(values, 'reward');
    if (stringOpt(values, 'matcher')) rewardsCfg.matcher = stringOpt(values, 'matcher');
    const backend = stringOpt(values, 'backend') ?? (merged.backend as string | undefined);
    const dataParallel = intOpt(values, 'data-parallel', { min: 1 }) ?? (merged.dataParallel as number | undefined);
    delete merged.dataParallel;
    const modelSpec = merged.model;
    delete merged.model;
    delete merged.rewards;
    delete merged.backend;
    if (typeof modelSpec !== 'string') {
      throw new EvolmmError('INVALID_ARGUMENT', "--model is required (or `model:` in the config file), e.g. --model tfjs:./models/tiny");
    }
    for (const key of ['images', 'out'] as const) {
      if (merged[key] === undefined) throw new EvolmmError('INVALID_ARGUMENT', `--${key} is required (or \`${key}:\` in the config file)`);
    }
    const base = file ? path.dirname(path.resolve(io.cwd, file)) : io.cwd;
    if (typeof merged.images === 'string') merged.images = path.resolve(base, merged.images);
    merged.out = path.resolve(base, String(merged.out));
    const config: EvolveConfig = validateEvolveConfig(merged, { source: file ?? 'command-line options' });
    const { solver, proposer } = await rewardsFromConfig(rewardsCfg, file ?? 'command-line options');

    const policy = await resolvePolicy(modelSpec, {
      ...(backend ? { backend } : {}),
      ...(dataParallel !== undefined ? { dataParallel } : {}),
      ...(config.learningRate !== undefined ? { learningRate: config.learningRate } : {}),
      seed: config.seed ?? 42,
    });
    writeLine(io.stderr, `evolmm evolve: ${policy.id} → ${config.out}`);
    let bar: ReturnType<typeof createProgress> | undefined;
    try {
      const result = await evolve({
        ...config,
        policy,
        solverReward: solver,
        proposerReward: proposer,
        signal: io.signal,
        onProgress(ev) {
          if (ev.type === 'start') {
            bar = createProgress({ total: ev.total, stream: io.stderr, startDone: ev.iteration, label: 'evolve' });
            if (ev.resumedFrom) bar.log(`resumed from ${ev.resumedFrom}`);
          } else if (ev.type === 'iteration') {
            const e = ev.event;
            const meanR = e.solver.rewards.reduce((a, b) => a + b, 0) / Math.max(1, e.solver.rewards.length);
            bar?.update(ev.iteration, `H=${e.entropy.toFixed(2)} r=${meanR.toFixed(2)}`);
          } else if (ev.type === 'image_skipped') bar?.log(`skipped ${ev.image}: ${ev.error}`);
          else if (ev.type === 'checkpoint') bar?.log(`checkpoint ${ev.dir}`);
          else if (ev.type === 'done') bar?.finish();
        },
      });
      if (values.json) writeLine(io.stdout, JSON.stringify(result, null, 2));
      else {
        writeLine(io.stdout, `done: ${result.iterations} iterations; events in ${result.eventsFile}`);
        if (result.lastCheckpoint) writeLine(io.stdout, `last checkpoint: ${result.lastCheckpoint}`);
        writeLine(io.stdout, `report: evolmm report ${path.relative(io.cwd, result.out) || '.'}`);
      }
    } finally {
      await policy.dispose();
    }
    return 0;
  },
};

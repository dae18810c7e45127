import path from 'node:path';
import { EvolmmError, createProgress, sft, validateSftConfig } from '@evolmm/core';
import { floatOpt, intOpt, stringOpt } from '../args.js';
import type { Command } from '../command.js';
import { readConfigFile } from '../config-file.js';
import { writeLine } from '../io.js';
import { resolvePolicy } from '../policy.js';

export const sftCommand: Command = {
  name: 'sft',
  summary: 'supervised LoRA fine-tuning on labeled {image, question, answer} data (a warm start before evolve)',
  usage: '--model tfjs:<hf-folder> --data <manifest.jsonl> --out <run-dir> [options]',
  description:
    'Each manifest line is {"image": "...", "question": "...", "answer": "..."} (image paths relative to the manifest).\n' +
    'The prompt is the EvoLMM solver prompt and the target `<answer>{answer}</answer>`, so evolve continues from it.\n' +
    'Same guarantees as evolve: atomic checkpoints, events.jsonl, --resume.',
  positionals: [0, 0],
  options: {
    model: { type: 'string', short: 'm', description: 'trainable model, e.g. tfjs:./models/tiny' },
    data: { type: 'string', short: 'd', description: 'manifest.jsonl of labeled records' },
    out: { type: 'string', short: 'o', description: 'run folder' },
    config: { type: 'string', short: 'c', description: 'YAML or JSON config file (SftConfig keys plus `model`)' },
    epochs: { type: 'string', description: 'passes over the data (default 1)' },
    lr: { type: 'string', description: 'learning rate (default 1e-4)' },
    'max-steps': { type: 'string', description: 'stop after this many steps (0 = all epochs)' },
    'checkpoint-every': { type: 'string', description: 'checkpoint every K steps (default 50)' },
    seed: { type: 'string', description: 'shuffle seed (default 42)' },
    backend: { type: 'string', description: 'tfjs backend: auto, gpu, native, wasm or cpu' },
    'data-parallel': { type: 'string', description: 'tfjs replicas per step (this thread + worker threads, weights × n; default 1)' },
    resume: { type: 'boolean', description: 'continue from the newest checkpoint in --out' },
    overwrite: { type: 'boolean', description: 'start over in an existing --out' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  examples: ['evolmm sft --model tfjs:./models/tiny --data ./charts/manifest.jsonl --out runs/sft --epochs 3 --lr 1e-3'],
  async run({ io, values }) {
    const file = stringOpt(values, 'config');
    const merged: Record<string, unknown> = file ? readConfigFile(path.resolve(io.cwd, file)) : {};
    const set = (k: string, v: unknown) => {
      if (v !== undefined) merged[k] = v;
    };
    set('model', stringOpt(values, 'model'));
    set('data', stringOpt(values, 'data'));
    set('out', stringOpt(values, 'out'));
    set('epochs', intOpt(values, 'epochs', { min: 1 }));
    set('learningRate', floatOpt(values, 'lr'));
    set('maxSteps', intOpt(values, 'max-steps', { min: 0 }));
    set('checkpointEvery', intOpt(values, 'checkpoint-every', { min: 1 }));
    set('seed', intOpt(values, 'seed'));
    if (values.resume) merged.resume = true;
    if (values.overwrite) merged.overwrite = true;
    const backend = stringOpt(values, 'backend') ?? (merged.backend as string | undefined);
    const dataParallel = intOpt(values, 'data-parallel', { min: 1 }) ?? (merged.dataParallel as number | undefined);
    delete merged.dataParallel;
    const modelSpec = merged.model;
    delete merged.model;
    delete merged.backend;
    if (typeof modelSpec !== 'string') throw new EvolmmError('INVALID_ARGUMENT', '--model is required, e.g. --model tfjs:./models/tiny');
    for (const key of ['data', 'out'] as const) {
      if (merged[key] === undefined) throw new EvolmmError('INVALID_ARGUMENT', `--${key} is required (or \`${key}:\` in the config file)`);
    }
    const base = file ? path.dirname(path.resolve(io.cwd, file)) : io.cwd;
    if (typeof merged.data === 'string') merged.data = path.resolve(base, merged.data);
    merged.out = path.resolve(base, String(merged.out));
    const config = validateSftConfig(merged, { source: file ?? 'command-line options' });
    const policy = await resolvePolicy(modelSpec, {
      ...(backend ? { backend } : {}),
      ...(dataParallel !== undefined ? { dataParallel } : {}),
      seed: config.seed ?? 42,
    });
    let bar: ReturnType<typeof createProgress> | undefined;
    try {
      const result = await sft({
        ...config,
        policy,
        signal: io.signal,
        onProgress(ev) {
          if (ev.type === 'start') bar = createProgress({ total: ev.total, stream: io.stderr, startDone: ev.step, label: 'sft' });
          else if (ev.type === 'step') bar?.update(ev.step, `nll=${ev.event.nll.toFixed(3)}`);
          else if (ev.type === 'checkpoint') bar?.log(`checkpoint ${ev.dir}`);
          else if (ev.type === 'done') bar?.finish();
        },
      });
      if (values.json) writeLine(io.stdout, JSON.stringify(result, null, 2));
      else writeLine(io.stdout, `done; events in ${result.eventsFile}`);
    } finally {
      await policy.dispose();
    }
    return 0;
  },
};

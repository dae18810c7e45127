import path from 'node:path';
import { EvolmmError } from '@evolmm/core';
import { intOpt, stringOpt } from '../args.js';
import type { Command } from '../command.js';
import { writeLine } from '../io.js';

export const makeCheckpointCommand: Command = {
  name: 'make-checkpoint',
  summary: 'write a random-weight Qwen2-VL / Qwen2.5-VL model folder (tests, demos, benchmarks)',
  usage: '<out-dir> [--preset tiny|0.5b] [--variant qwen2.5-vl|qwen2-vl] [--seed N] [--dtype F32|BF16|F16]',
  description:
    'Writes a complete Hugging Face folder (config.json, safetensors, tokenizer, chat template, preprocessor config)\n' +
    'with random weights. "tiny" builds in under a second; "0.5b" has the Qwen2-0.5B decoder dimensions.',
  positionals: [1, 1],
  options: {
    preset: { type: 'string', default: 'tiny', description: 'size preset: tiny or 0.5b' },
    variant: { type: 'string', default: 'qwen2.5-vl', description: 'qwen2.5-vl or qwen2-vl' },
    seed: { type: 'string', default: '42', description: 'weight seed' },
    dtype: { type: 'string', default: 'F32', description: 'F32, BF16 or F16' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  examples: ['evolmm make-checkpoint ./models/tiny', 'evolmm make-checkpoint ./models/qwen05b --preset 0.5b --dtype BF16'],
  async run({ io, values, positionals }) {
    const preset = stringOpt(values, 'preset');
    const variant = stringOpt(values, 'variant');
    const dtype = stringOpt(values, 'dtype');
    if (preset !== 'tiny' && preset !== '0.5b') throw new EvolmmError('INVALID_ARGUMENT', `--preset must be tiny or 0.5b, got '${preset}'`);
    if (variant !== 'qwen2.5-vl' && variant !== 'qwen2-vl') throw new EvolmmError('INVALID_ARGUMENT', `--variant must be qwen2.5-vl or qwen2-vl, got '${variant}'`);
    if (dtype !== 'F32' && dtype !== 'BF16' && dtype !== 'F16') throw new EvolmmError('INVALID_ARGUMENT', `--dtype must be F32, BF16 or F16, got '${dtype}'`);
    const dir = path.resolve(io.cwd, positionals[0]!);
    const { createCheckpoint } = await import('@evolmm/qwen-vl');
    const res = await createCheckpoint(dir, { preset, variant, dtype, seed: intOpt(values, 'seed') ?? 42 });
    if (values.json) writeLine(io.stdout, JSON.stringify({ dir: res.dir, params: res.params, variant, preset, dtype }));
    else writeLine(io.stdout, `wrote ${variant} ${preset} checkpoint (${res.params.toLocaleString('en-US')} parameters) to ${res.dir}`);
    return 0;
  },
};

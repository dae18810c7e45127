import path from 'node:path';
import { EvolmmError } from '@evolmm/core';
import { stringOpt } from '../args.js';
import type { Command } from '../command.js';
import { writeLine } from '../io.js';

export const exportOnnxCommand: Command = {
  name: 'export-onnx',
  summary: 'export a Hugging Face Qwen2(.5)-VL folder (optionally with a LoRA adapter merged) to ONNX',
  usage: '<hf-folder> <out-dir> [--adapter <peft-folder>] [--dtype fp32|fp16|int8]',
  description:
    'Writes the three-graph layout transformers.js reads (onnx/vision_encoder, embed_tokens, decoder_model_merged)\n' +
    'plus configs and tokenizer; weights over 2 GB go to external-data files. No Python needed.\n' +
    'Adapters of an evolve run live in <run>/checkpoints/step_NNNNN/policy/adapters/default.',
  positionals: [2, 2],
  options: {
    adapter: { type: 'string', short: 'a', description: 'PEFT adapter folder to merge first' },
    dtype: { type: 'string', default: 'fp32', description: 'fp32, fp16 or int8 (weight-only 8-bit)' },
    json: { type: 'boolean', description: 'print the written files as JSON' },
  },
  examples: [
    'evolmm export-onnx ./models/tiny ./models/tiny-onnx',
    'evolmm export-onnx ./models/Qwen2.5-VL-3B-Instruct ./out/evolved-onnx --adapter runs/r1/checkpoints/step_00100/policy/adapters/default --dtype fp16',
  ],
  async run({ io, values, positionals }) {
    const dtype = stringOpt(values, 'dtype');
    if (dtype !== 'fp32' && dtype !== 'fp16' && dtype !== 'int8') throw new EvolmmError('INVALID_ARGUMENT', `--dtype must be fp32, fp16 or int8, got '${dtype}'`);
    const { exportOnnx } = await import('@evolmm/backend-onnx');
    const adapter = stringOpt(values, 'adapter');
    const res = await exportOnnx(path.resolve(io.cwd, positionals[0]!), path.resolve(io.cwd, positionals[1]!), {
      dtype,
      ...(adapter ? { adapter: path.resolve(io.cwd, adapter) } : {}),
      log: (line: string) => writeLine(io.stderr, line),
    });
    if (values.json) writeLine(io.stdout, JSON.stringify({ outDir: res.outDir, files: res.files }, null, 2));
    else writeLine(io.stdout, `wrote ${res.files.length} files to ${res.outDir}; use it as --model onnx:${path.relative(io.cwd, res.outDir) || '.'}`);
    return 0;
  },
};

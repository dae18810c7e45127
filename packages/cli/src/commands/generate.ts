import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from '@evolmm/core';
import type { ContentPart } from '@evolmm/core';
import { floatOpt, intOpt, listOpt, stringOpt } from '../args.js';
import type { Command } from '../command.js';
import { writeLine } from '../io.js';
import { resolveModel } from '../models.js';

export const generateCommand: Command = {
  name: 'generate',
  summary: 'ask a model about an image',
  usage: '--model <spec> [--image <file>...] <prompt> [-n N] [--temperature T] [--seed S] [--json]',
  positionals: [1, 1],
  options: {
    model: { type: 'string', short: 'm', description: 'model spec, e.g. tfjs:./models/tiny, onnx:./out, openai:http://host/v1#name' },
    image: { type: 'string', short: 'i', multiple: true, description: 'image file (png, jpg, webp, ...)' },
    n: { type: 'string', short: 'n', default: '1', description: 'number of samples' },
    'max-new-tokens': { type: 'string', default: '128', description: 'generation limit per sample' },
    temperature: { type: 'string', default: '0', description: '0 = greedy' },
    'top-p': { type: 'string', default: '1', description: 'nucleus mass (1 disables)' },
    'top-k': { type: 'string', default: '0', description: 'top-k (0 disables)' },
    seed: { type: 'string', default: '0', description: 'sampler seed (same seed, same text)' },
    adapter: { type: 'string', description: "LoRA adapter to activate ('default' = solver, 'proposer')" },
    device: { type: 'string', description: 'backend device/kind (tfjs: auto|native|wasm|cpu; onnx: auto|cuda|cpu)' },
    json: { type: 'boolean', description: 'print completions as JSON' },
  },
  examples: [
    'evolmm generate --model tfjs:./models/tiny --image chart.png "What is the highest bar?"',
    'evolmm generate -m onnx:./models/tiny-onnx -i chart.png -n 5 --temperature 1 --seed 7 --json "Describe the chart."',
  ],
  async run({ io, values, positionals }) {
    const spec = stringOpt(values, 'model');
    if (!spec) throw new EvolmmError('INVALID_ARGUMENT', "--model is required, e.g. --model tfjs:./models/tiny (make one with 'evolmm make-checkpoint ./models/tiny')");
    const images = listOpt(values, 'image').map((p) => {
      const abs = path.resolve(io.cwd, p);
      if (!fs.existsSync(abs)) throw new EvolmmError('NOT_FOUND', `image '${p}' does not exist (looked at ${abs})`);
      return abs;
    });
    const content: ContentPart[] = [...images.map((image) => ({ type: 'image' as const, image })), { type: 'text', text: positionals[0]! }];
    const device = stringOpt(values, 'device');
    const model = await resolveModel(spec, device ? { device, backend: device } : {});
    try {
      const completions = await model.generate({
        messages: [{ role: 'user', content }],
        n: intOpt(values, 'n', { min: 1 }),
        maxNewTokens: intOpt(values, 'max-new-tokens', { min: 1 }),
        temperature: floatOpt(values, 'temperature'),
        topP: floatOpt(values, 'top-p'),
        topK: intOpt(values, 'top-k', { min: 0 }),
        seed: intOpt(values, 'seed'),
        adapter: stringOpt(values, 'adapter'),
        logprobs: Boolean(values.json),
        signal: io.signal,
      });
      if (values.json) writeLine(io.stdout, JSON.stringify({ model: model.id, completions }, null, 2));
      else completions.forEach((c, i) => writeLine(io.stdout, completions.length > 1 ? `[${i}] ${c.text}` : c.text));
    } finally {
      await model.dispose();
    }
    return 0;
  },
};

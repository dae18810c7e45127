import path from 'node:path';
import { intOpt, stringOpt } from '../args.js';
import type { Command } from '../command.js';
import { DEMO_DEFAULTS, runDemo } from '../demo/demo-pipeline.js';
import { writeLine } from '../io.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the built-in end-to-end demo: small model, synthetic charts, warm start, evolve, bench before/after, report',
  usage: '[--dir .evolmm-demo] [--fresh] [--iterations N]',
  description:
    'Needs no download and no GPU; about 5-10 minutes on 2 CPU cores the first time. Every stage is cached in --dir,\n' +
    'so a second run only re-renders the report. Prints the path of the HTML report.',
  positionals: [0, 0],
  options: {
    dir: { type: 'string', default: '.evolmm-demo', description: 'working folder' },
    fresh: { type: 'boolean', description: 'delete the working folder first' },
    iterations: { type: 'string', default: String(DEMO_DEFAULTS.iterations), description: 'evolve iterations' },
    'sft-steps': { type: 'string', default: String(DEMO_DEFAULTS.sftSteps), description: 'warm-start steps' },
    backend: { type: 'string', default: 'auto', description: 'tfjs backend: auto, native, wasm or cpu' },
    json: { type: 'boolean', description: 'print the results as JSON' },
  },
  examples: ['evolmm demo', 'evolmm demo --fresh --iterations 80'],
  async run({ io, values }) {
    const res = await runDemo({
      dir: path.resolve(io.cwd, stringOpt(values, 'dir') ?? '.evolmm-demo'),
      fresh: Boolean(values.fresh),
      iterations: intOpt(values, 'iterations', { min: 1 }),
      sftSteps: intOpt(values, 'sft-steps', { min: 0 }),
      backend: stringOpt(values, 'backend'),
      stream: io.stderr,
      signal: io.signal,
    });
    if (values.json) writeLine(io.stdout, JSON.stringify(res, null, 2));
    else {
      for (const r of res.results) writeLine(io.stdout, `${r.model.padEnd(12)} ${r.benchmark.padEnd(17)} ${r.accuracy.toFixed(1).padStart(5)} % (${r.correct}/${r.total})`);
      writeLine(io.stdout, `finished in ${res.minutes.toFixed(1)} min; report: ${res.report}`);
    }
    return 0;
  },
};

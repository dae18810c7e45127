import path from 'node:path';
import { EvolmmError, writeFileAtomic, writeJsonAtomic } from '@evolmm/core';
import { stringOpt } from '../args.js';
import type { Command } from '../command.js';
import { writeLine } from '../io.js';

const BENCHMARKS = ['chartqa', 'mathvista', 'mathvision'] as const;
type BenchName = (typeof BENCHMARKS)[number];

export const scoreCommand: Command = {
  name: 'score',
  summary: "rescore a prediction file in a benchmark's own published format with the official rules",
  usage: '<chartqa|mathvista|mathvision> <predictions-file> [--json] [--out FILE] [--int-rule current|legacy]',
  description:
    'MathVista: an output_*.json file, scored from its `extraction` field; prints the structure of scores_*.json.\n' +
    'MATH-V: a *.jsonl file, scored from its `response` field; prints the structure of *_result.json.\n' +
    'ChartQA: a JSON/JSONL list of {label|answer, prediction|output} records; relaxed accuracy (5 %, inclusive).',
  positionals: [2, 2],
  options: {
    json: { type: 'boolean', description: 'print the scores JSON (published structure) on stdout' },
    out: { type: 'string', valueName: 'file', description: 'write the rescored per-item file here (atomically)' },
    'int-rule': {
      type: 'string',
      default: 'current',
      description: 'MathVista integer rule: current, or legacy for results published before the upstream fix',
    },
  },
  examples: [
    'evolmm score mathvista output_bard.json --json',
    'evolmm score mathvista output_chatgpt.json --int-rule legacy --json',
    'evolmm score mathvision Gemini-Pro.jsonl --json --out rescored.jsonl',
  ],
  async run({ io, values, positionals }) {
    const bench = positionals[0]!.toLowerCase();
    if (!(BENCHMARKS as readonly string[]).includes(bench)) {
      throw new EvolmmError('INVALID_ARGUMENT', `unknown benchmark '${positionals[0]}'; expected one of ${BENCHMARKS.join(', ')}`);
    }
    const intRule = stringOpt(values, 'int-rule');
    if (intRule !== 'current' && intRule !== 'legacy') {
      throw new EvolmmError('INVALID_ARGUMENT', `--int-rule must be 'current' or 'legacy', got '${intRule}'`);
    }
    const file = path.resolve(io.cwd, positionals[1]!);
    const { scorePredictionFile } = await import('@evolmm/bench');
    const { scores, items } = await scorePredictionFile(bench as BenchName, file, { intRule });
    const out = stringOpt(values, 'out');
    if (out) {
      const target = path.resolve(io.cwd, out);
      if (target.endsWith('.jsonl')) {
        writeFileAtomic(target, (items as unknown[]).map((r) => JSON.stringify(r)).join('\n') + '\n');
      } else {
        writeJsonAtomic(target, items);
      }
    }
    if (values.json) writeLine(io.stdout, JSON.stringify(scores, null, 2));
    else writeLine(io.stdout, summarizeScores(bench as BenchName, scores));
    if (out && !values.json) writeLine(io.stderr, `wrote rescored items to ${out}`);
    return 0;
  },
};

/** A one-screen human summary; the --json output carries everything. */
function summarizeScores(bench: BenchName, scores: unknown): string {
  const s = scores as Record<string, unknown>;
  const acc = (s.average as Record<string, unknown> | undefined)?.accuracy ?? s.accuracy ?? s['Overall'] ?? s.overall;
  return `${bench}: accuracy ${typeof acc === 'number' ? acc : JSON.stringify(acc)} (run with --json for every breakdown)`;
}

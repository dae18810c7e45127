/**
 * `scorePredictionFile`: rescoring a prediction file in a benchmark's own published format (docs/benchmarks.md §6).
 * What `evolmm score <bench> <file> --json` prints is `scores`; `--out FILE` writes `serializeRescoredItems(result)`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from '@evolmm/core';
import { rescoreChartQAPredictions } from './chartqa/rescore.js';
import { readJsonFile, readJsonlFile } from './common/files.js';
import type { OutputCleanup } from './common/output-cleanup.js';
import { readMathVisionProblems } from './mathvision/loader.js';
import { rescoreMathVisionOutputs, type MathVisionOutputRecord } from './mathvision/rescore.js';
import type { MathVisionProblem } from './mathvision/types.js';
import { rescoreMathVistaOutputs, type MathVistaOutputRecord } from './mathvista/rescore.js';
import type { IntRule } from './mathvista/types.js';

export type RescoreBenchmark = 'chartqa' | 'mathvista' | 'mathvision';

export interface ScorePredictionOptions {
  /** MathVista integer rule, default `'current'`; `'legacy'` for older published files (e.g. chatgpt_2shot_code). */
  readonly intRule?: IntRule;
  /**
   * MATH-V problems the outputs answer: a path to `test.jsonl` (file variant) or the parsed rows (pure variant).
   * Default for files: the nearest `data/test.jsonl` found walking up from the prediction file.
   */
  readonly problems?: string | readonly MathVisionProblem[];
  /** ChartQA only: post-processing of stored predictions, default `'none'`. */
  readonly outputCleanup?: OutputCleanup;
}

export interface RescoreResult {
  readonly benchmark: RescoreBenchmark;
  /** Exactly the structure and values of the published score file (MathVista `scores_*.json`, MATH-V `*_result.json`; ChartQA: lmms-eval metrics). */
  readonly scores: Record<string, unknown>;
  /** Rescored per-item records: MathVista pid → record (like `output_*.json`), MATH-V / ChartQA a list (JSONL). */
  readonly items: Record<string, unknown> | readonly Record<string, unknown>[];
}

const BENCHMARKS: readonly RescoreBenchmark[] = ['chartqa', 'mathvista', 'mathvision'];

function checkBenchmark(benchmark: string): asserts benchmark is RescoreBenchmark {
  if (!BENCHMARKS.includes(benchmark as RescoreBenchmark)) {
    throw new EvolmmError('INVALID_ARGUMENT', `unknown benchmark '${benchmark}'; expected one of ${BENCHMARKS.join(', ')}`);
  }
}

/** Pure variant: `content` is the parsed file (MathVista: pid → record; MATH-V and ChartQA: a list of records). */
export function scorePredictions(benchmark: RescoreBenchmark, content: unknown, options: ScorePredictionOptions = {}): RescoreResult {
  checkBenchmark(benchmark);
  if (benchmark === 'mathvista') {
    if (content === null || typeof content !== 'object' || Array.isArray(content)) {
      throw new EvolmmError('INVALID_ARGUMENT', 'MathVista predictions must be an object pid → record (the format of output_*.json)');
    }
    const r = rescoreMathVistaOutputs(content as Record<string, MathVistaOutputRecord>, { intRule: options.intRule });
    return { benchmark, scores: r.scores as Record<string, unknown>, items: r.items };
  }
  if (!Array.isArray(content)) {
    throw new EvolmmError('INVALID_ARGUMENT', `${benchmark} predictions must be a list of records (one JSONL line each)`);
  }
  if (benchmark === 'mathvision') {
    if (!Array.isArray(options.problems)) {
      throw new EvolmmError('INVALID_ARGUMENT', 'MATH-V rescoring needs the problems (parsed data/test.jsonl rows) in options.problems');
    }
    const r = rescoreMathVisionOutputs(content as MathVisionOutputRecord[], options.problems as readonly MathVisionProblem[]);
    return { benchmark, scores: r.scores, items: r.items };
  }
  const r = rescoreChartQAPredictions(content as Record<string, unknown>[], { outputCleanup: options.outputCleanup });
  return { benchmark, scores: r.scores, items: r.items };
}

/** The nearest `data/test.jsonl` above a MATH-V output file (the repository layout: outputs/…, data/test.jsonl). */
export function findMathVisionProblemsFile(predictionFile: string): string | undefined {
  let dir = path.dirname(path.resolve(predictionFile));
  for (;;) {
    const candidate = path.join(dir, 'data', 'test.jsonl');
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readPredictionContent(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  const trimmed = text.trimStart();
  // A JSON document (object or list) or JSONL (one record per line).
  if (trimmed.startsWith('[') || (trimmed.startsWith('{') && !file.endsWith('.jsonl'))) return readJsonFile(file, 'predictions');
  return readJsonlFile(file, 'predictions');
}

/** Rescoring a prediction file in the benchmark's published format. */
export function scorePredictionFile(benchmark: RescoreBenchmark, file: string, options: ScorePredictionOptions = {}): RescoreResult {
  checkBenchmark(benchmark);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new EvolmmError('NOT_FOUND', `prediction file ${file} does not exist; expected ${benchmark === 'mathvista' ? 'a MathVista output_*.json' : benchmark === 'mathvision' ? 'a MATH-V *.jsonl with id and response' : 'a ChartQA JSON/JSONL prediction file'}`);
  }
  const content = readPredictionContent(file);
  if (benchmark !== 'mathvision') return scorePredictions(benchmark, content, options);
  let problems = options.problems;
  if (problems === undefined) {
    const found = findMathVisionProblemsFile(file);
    if (!found) {
      throw new EvolmmError('NOT_FOUND', `MATH-V rescoring needs the problems file: no data/test.jsonl found above ${file}; pass problems: '<path to MATH-V data/test.jsonl>'`);
    }
    problems = found;
  }
  if (typeof problems === 'string') problems = readMathVisionProblems(problems);
  return scorePredictions(benchmark, content, { ...options, problems });
}

/** The rescored items as the file `--out` writes: JSON (MathVista, indent 4 like the official files) or JSONL. */
export function serializeRescoredItems(result: RescoreResult): string {
  if (!Array.isArray(result.items)) return JSON.stringify(result.items, null, 4) + '\n';
  return (result.items as readonly unknown[]).map((r) => JSON.stringify(r)).join('\n') + '\n';
}

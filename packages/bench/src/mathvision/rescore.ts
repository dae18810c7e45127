/**
 * Rescoring a published MATH-V `*.jsonl` (docs/benchmarks.md §6): `model_answer` is re-extracted from each
 * `response`, `correct` recomputed against the problems of `data/test.jsonl`, and the result file rebuilt.
 */
import { EvolmmError } from '@evolmm/core';
import { mathVisionResultFile, scoreMathVisionResponse } from './score.js';
import type { MathVisionProblem } from './types.js';

export interface MathVisionOutputRecord {
  readonly id: string | number;
  readonly model?: string;
  readonly response?: unknown;
  readonly model_answer?: string;
  readonly correct?: boolean;
  readonly [field: string]: unknown;
}

export interface MathVisionRescored {
  /** Exactly the structure and values of the published `<Model>_result.json`. */
  readonly scores: Record<string, string>;
  /** The input records with `model_answer` and `correct` recomputed, in file order. */
  readonly items: (MathVisionOutputRecord & { model_answer: string; correct: boolean })[];
}

/** Pure variant: parsed output records + the problems (test.jsonl rows) they answer. */
export function rescoreMathVisionOutputs(
  records: readonly MathVisionOutputRecord[],
  problems: readonly MathVisionProblem[] | ReadonlyMap<string, MathVisionProblem>,
): MathVisionRescored {
  const byId = problems instanceof Map ? problems : new Map((problems as readonly MathVisionProblem[]).map((p) => [String(p.id), p]));
  const items: MathVisionRescored['items'] = [];
  const scored: { level: number; subject: string; correct: boolean }[] = [];
  for (const record of records) {
    const problem = byId.get(String(record.id));
    if (!problem) {
      throw new EvolmmError(
        'INVALID_ARGUMENT',
        `MATH-V output id ${JSON.stringify(record.id)} is not in the problem set (${byId.size} problems); ` +
          'rescore against the split the file was produced on (data/test.jsonl for published outputs)',
      );
    }
    const response = typeof record.response === 'string' ? record.response : String(record.response ?? '');
    const { model_answer, correct } = scoreMathVisionResponse(problem, response);
    items.push({ ...record, model_answer, correct });
    scored.push({ level: problem.level, subject: problem.subject, correct });
  }
  return { scores: mathVisionResultFile(scored), items };
}

/**
 * Rescoring a published MathVista `output_*.json` (docs/benchmarks.md §6): the stored `extraction` of every item
 * goes through the official normaliser and string comparison, then the score file is rebuilt.
 */
import { mathVistaEqual, normalizeMathVistaAnswer } from './normalize.js';
import { mathVistaScores, type MathVistaScores } from './scores.js';
import type { IntRule } from './types.js';

/** One record of a published output file (testmini fields + response, extraction, prediction, true_false). */
export interface MathVistaOutputRecord {
  readonly pid?: string;
  readonly choices?: readonly string[] | null;
  readonly precision?: number | null;
  readonly answer?: string;
  readonly question_type?: string;
  readonly answer_type?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly extraction?: unknown;
  readonly [field: string]: unknown;
}

export interface MathVistaRescoreOptions {
  /** Integer rule, default `'current'`; `'legacy'` reproduces older published files (see docs/benchmarks.md §6). */
  readonly intRule?: IntRule;
}

export interface MathVistaRescored {
  readonly scores: MathVistaScores;
  /** The input records with `prediction` and `true_false` recomputed, keyed by pid as in the file. */
  readonly items: Record<string, MathVistaOutputRecord & { prediction: string | null; true_false: boolean }>;
}

/** Pure variant of rescoring: takes the parsed content of an `output_*.json` (pid → record). */
export function rescoreMathVistaOutputs(
  content: Readonly<Record<string, MathVistaOutputRecord>>,
  options: MathVistaRescoreOptions = {},
): MathVistaRescored {
  const items: MathVistaRescored['items'] = {};
  for (const [pid, record] of Object.entries(content)) {
    const prediction = normalizeMathVistaAnswer(
      record.extraction ?? '',
      {
        choices: record.choices ?? null,
        question_type: record.question_type === 'multi_choice' ? 'multi_choice' : 'free_form',
        answer_type: (record.answer_type ?? 'text') as 'text' | 'integer' | 'float' | 'list',
        precision: typeof record.precision === 'number' ? record.precision : null,
      },
      { intRule: options.intRule },
    );
    items[pid] = { ...record, prediction, true_false: mathVistaEqual(prediction, record.answer) };
  }
  return { scores: mathVistaScores(Object.values(items)), items };
}

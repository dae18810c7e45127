/**
 * The published `scores_*.json` of MathVista (evaluation/calculate_score.py; docs/benchmarks.md §3.2 "Score file"):
 * `average` with `str(round(100·c/t, 2))`, then one breakdown per key with `"{:.2f}"` accuracies, each sorted by
 * accuracy descending (a stable sort, so ties keep first-appearance order).
 */
import { pyFloatRepr, pyFormatFixed, pyRound } from '../common/python-number.js';

export interface MathVistaScoreEntry {
  readonly accuracy: string;
  readonly correct: number;
  readonly total: number;
}

export interface MathVistaScores {
  readonly average: MathVistaScoreEntry;
  readonly [breakdown: string]: MathVistaScoreEntry | Readonly<Record<string, MathVistaScoreEntry>>;
}

/** The breakdown keys of the official score file, in its order. */
export const MATHVISTA_BREAKDOWN_KEYS = [
  'question_type',
  'answer_type',
  'language',
  'source',
  'category',
  'task',
  'context',
  'grade',
  'skills',
] as const;

/** What a scored item needs for the score file: its type fields, its metadata and whether it was right. */
export interface MathVistaScoredRecord {
  readonly question_type?: string;
  readonly answer_type?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly true_false: boolean;
}

function valuesOf(record: MathVistaScoredRecord, key: string): string[] {
  const raw = key === 'question_type' || key === 'answer_type' ? record[key] : record.metadata?.[key];
  if (Array.isArray(raw)) return raw.filter((v): v is string => typeof v === 'string');
  if (typeof raw === 'string') return [raw];
  if (typeof raw === 'number' || typeof raw === 'boolean') return [String(raw)];
  return [];
}

/** Builds the published score-file object from scored records (every record counts toward `total`). */
export function mathVistaScores(records: readonly MathVistaScoredRecord[]): MathVistaScores {
  const total = records.length;
  let correct = 0;
  for (const r of records) if (r.true_false === true) correct++;
  const scores: Record<string, unknown> = {
    average: {
      accuracy: total === 0 ? '0.0' : pyFloatRepr(pyRound((correct / total) * 100, 2)),
      correct,
      total,
    },
  };
  for (const key of MATHVISTA_BREAKDOWN_KEYS) {
    // First-appearance order (pandas `unique`); an item counts under every skill it lists.
    const counts = new Map<string, { correct: number; total: number }>();
    for (const r of records) {
      for (const value of new Set(valuesOf(r, key))) {
        let c = counts.get(value);
        if (!c) counts.set(value, (c = { correct: 0, total: 0 }));
        c.total++;
        if (r.true_false === true) c.correct++;
      }
    }
    const entries = [...counts].map(([value, c]) => {
      const accuracy = pyFormatFixed((c.correct / c.total) * 100, 2);
      return [value, { accuracy, correct: c.correct, total: c.total }] as const;
    });
    // Python sorted(..., key=float(accuracy), reverse=True) is stable.
    entries.sort((a, b) => Number(b[1].accuracy) - Number(a[1].accuracy));
    scores[key] = Object.fromEntries(entries);
  }
  return scores as MathVistaScores;
}

/**
 * Rescoring ChartQA predictions. ChartQA publishes no per-item predictions (docs/benchmarks.md §5), so this reads
 * the common shapes: a JSON list / JSONL of records with a prediction (`prediction`, `pred`, `model_answer`,
 * `response`, or lmms-eval's `filtered_resps[0]` / `resps[0][0]`), a gold label (`label`, `answer`, `target`,
 * `doc.answer`) and the set (`type`, `doc.type`, or `human_or_machine`).
 */
import { EvolmmError } from '@evolmm/core';
import { applyCleanup, type OutputCleanup } from '../common/output-cleanup.js';
import { chartqaCorrect, chartqaMetrics } from './benchmark.js';

export interface ChartQARescored {
  readonly scores: { relaxed_overall: number; relaxed_human_split: number; relaxed_augmented_split: number };
  readonly items: (Record<string, unknown> & { prediction: string; correct: boolean })[];
}

function firstString(...values: unknown[]): string | undefined {
  for (const v of values) {
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.length > 0) {
      const inner = firstString(v[0]);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

/** Pure variant: parsed records. `outputCleanup` defaults to `'none'` (predictions in files are already cleaned). */
export function rescoreChartQAPredictions(records: readonly Record<string, unknown>[], options: { outputCleanup?: OutputCleanup } = {}): ChartQARescored {
  const items: ChartQARescored['items'] = [];
  const scores = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const doc = (r.doc ?? {}) as Record<string, unknown>;
    const raw = firstString(r.prediction, r.pred, r.model_answer, r.filtered_resps, r.resps, r.response);
    const label = firstString(r.label, r.answer, r.target, doc.answer, doc.label);
    if (raw === undefined || label === undefined) {
      throw new EvolmmError(
        'INVALID_ARGUMENT',
        `ChartQA prediction record ${i} has ${raw === undefined ? 'no prediction' : 'no gold label'}; expected fields prediction|pred|model_answer|response|filtered_resps and label|answer|target (found: ${Object.keys(r).join(', ')})`,
      );
    }
    const typeField = r.type ?? doc.type;
    const type = typeField === 'human_test' || r.human_or_machine === 0 || typeField === 'human' ? 'human_test' : 'augmented_test';
    const prediction = applyCleanup(raw, options.outputCleanup ?? 'none');
    const correct = chartqaCorrect(prediction, label);
    items.push({ ...r, prediction, correct });
    scores.push({ id: String(i), correct, prediction, groups: { type } });
  }
  return { scores: chartqaMetrics(scores), items };
}

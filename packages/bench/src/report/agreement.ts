import type { BenchRun } from '../runner/types.js';

export interface AgreementEntry {
  readonly benchmark: string;
  readonly a: string;
  readonly b: string;
  /** Items both models answered with the same extracted answer (both non-null and equal). */
  readonly agree: number;
  /** Items both models were run on. */
  readonly total: number;
  /** agree / total, 0..1 (0 when total is 0). */
  readonly rate: number;
}

/**
 * Agreement between every pair of models on every benchmark: the fraction of shared items where both give the
 * same extracted answer (ItemScore.prediction, i.e. after the benchmark's extraction and normalisation). An item
 * where either model gave no answer (null) counts as disagreement. Compares backends running the same weights.
 */
export function modelAgreement(run: BenchRun): AgreementEntry[] {
  const out: AgreementEntry[] = [];
  for (const benchmark of run.benchmarks) {
    const byModel = run.models.map((m) => {
      const r = run.results.find((x) => x.model === m.id && x.benchmark === benchmark);
      return new Map((r?.items ?? []).map((it) => [it.id, it.prediction]));
    });
    for (let i = 0; i < run.models.length; i++) {
      for (let j = i + 1; j < run.models.length; j++) {
        let agree = 0;
        let total = 0;
        for (const [id, p] of byModel[i]) {
          if (!byModel[j].has(id)) continue;
          total++;
          const q = byModel[j].get(id);
          if (p !== null && p !== undefined && p === q) agree++;
        }
        out.push({ benchmark, a: run.models[i].id, b: run.models[j].id, agree, total, rate: total === 0 ? 0 : agree / total });
      }
    }
  }
  return out;
}

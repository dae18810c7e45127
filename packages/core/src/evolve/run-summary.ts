import type { IterationEvent, RunStartEvent } from './evolve-events.js';

/** A metric over the run: its mean, and its means over the first and last tenth of the iterations (≥ 1 each). */
export interface MetricTrend {
  readonly mean: number | null;
  readonly first: number | null;
  readonly last: number | null;
  readonly count: number;
}

export interface RunSummary {
  readonly kind: 'evolve';
  readonly iterations: number;
  readonly lastIteration: number;
  readonly config: RunStartEvent['config'] | null;
  /** Mean over iterations of the mean solver reward of the group. */
  readonly solverReward: MetricTrend;
  readonly proposerReward: MetricTrend;
  readonly entropy: MetricTrend;
  readonly majorityFraction: MetricTrend;
  readonly distinctAnswers: MetricTrend;
  readonly klSolver: MetricTrend;
  readonly klProposer: MetricTrend;
  readonly nllSolver: MetricTrend;
  readonly nllProposer: MetricTrend;
  readonly beta: { readonly solver: { initial: number; final: number } | null; readonly proposer: { initial: number; final: number } | null };
  readonly baselines: { readonly solver: number; readonly proposer: number } | null;
  readonly updates: { readonly solver: number; readonly proposer: number };
  /** Proposals without a complete <question> tag (used anyway, docs/method.md §6.1). */
  readonly malformedProposals: number;
  readonly skippedImages: number;
}

function finite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function avg(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Mean, first-tenth and last-tenth means of the finite values (nulls skipped, order kept). */
export function metricTrend(values: readonly (number | null | undefined)[]): MetricTrend {
  const xs = values.filter(finite);
  const k = Math.max(1, Math.floor(xs.length / 10));
  return { mean: avg(xs), first: avg(xs.slice(0, k)), last: avg(xs.slice(-k)), count: xs.length };
}

/** The iteration events of a parsed events.jsonl (other lines ignored), in log order. */
export function iterationEvents(events: readonly unknown[]): IterationEvent[] {
  return events.filter((e): e is IterationEvent => (e as { type?: string })?.type === 'iteration');
}

/** Numbers that sum up a run, from its parsed events.jsonl (what `evolmm report` prints). */
export function summarizeRun(events: readonly unknown[]): RunSummary {
  const start = events.find((e): e is RunStartEvent => (e as { type?: string })?.type === 'run_start');
  const it = iterationEvents(events);
  const last = it[it.length - 1];
  const first = it[0];
  return {
    kind: 'evolve',
    iterations: it.length,
    lastIteration: last?.iteration ?? 0,
    config: start?.config ?? null,
    solverReward: metricTrend(it.map((e) => avg(e.solver.rewards))),
    proposerReward: metricTrend(it.map((e) => e.proposer.reward)),
    entropy: metricTrend(it.map((e) => e.entropy)),
    majorityFraction: metricTrend(it.map((e) => e.majorityFraction)),
    distinctAnswers: metricTrend(it.map((e) => e.distinctAnswers)),
    klSolver: metricTrend(it.map((e) => e.solver.kl)),
    klProposer: metricTrend(it.map((e) => e.proposer.kl)),
    nllSolver: metricTrend(it.map((e) => e.solver.nll)),
    nllProposer: metricTrend(it.map((e) => e.proposer.nll)),
    beta: {
      solver: first ? { initial: first.solver.betaBefore, final: last.solver.betaAfter } : null,
      proposer: first ? { initial: first.proposer.betaBefore, final: last.proposer.betaAfter } : null,
    },
    baselines: last ? { solver: last.solver.baselineAfter, proposer: last.proposer.baselineAfter } : null,
    updates: last ? { ...last.updates } : { solver: 0, proposer: 0 },
    malformedProposals: it.filter((e) => !e.proposer.tagged).length,
    skippedImages: it.reduce((a, e) => a + e.skippedImages.length, 0),
  };
}

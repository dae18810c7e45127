import type { IterationEvent } from './evolve-events.js';
import { iterationEvents, metricTrend, summarizeRun, type MetricTrend, type RunSummary } from './run-summary.js';
import { escapeXml, linePlotSvg, movingAverage } from './svg-plot.js';

export interface RunReport {
  /** A self-contained HTML page (inline SVG plots, no scripts, no external resources). */
  readonly html: string;
  /** A markdown summary table. */
  readonly markdown: string;
  readonly summary: RunSummary;
}

function num(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(digits);
}

const TREND_ROWS: [string, keyof RunSummary][] = [
  ['solver reward (mean of group)', 'solverReward'],
  ['proposer reward', 'proposerReward'],
  ['answer entropy (nats)', 'entropy'],
  ['majority fraction', 'majorityFraction'],
  ['distinct answers', 'distinctAnswers'],
  ['solver KL', 'klSolver'],
  ['proposer KL', 'klProposer'],
  ['solver NLL', 'nllSolver'],
  ['proposer NLL', 'nllProposer'],
];

function summaryRows(s: RunSummary): string[][] {
  const rows = TREND_ROWS.map(([label, key]) => {
    const t = s[key] as MetricTrend;
    return [label, num(t.mean), num(t.first), num(t.last)];
  });
  return rows;
}

function htmlTable(head: string[], body: string[][]): string {
  return (
    `<table><thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead><tbody>` +
    body.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`).join('') +
    '</tbody></table>'
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.plots{display:grid;grid-template-columns:1fr;gap:12px}</style></head>
<body><h1>${escapeXml(title)}</h1>
${body}
</body></html>
`;
}

interface SftLine {
  type: 'step';
  step: number;
  epoch: number;
  loss: number;
  nll: number;
  kl: number;
}

/** The report of an `sft` run folder: NLL and loss over steps, per-epoch means. */
function renderSftReport(events: readonly unknown[], title: string, smooth?: number): RunReport {
  const steps = events.filter((e): e is SftLine => (e as { type?: string })?.type === 'step');
  const w = smooth ?? Math.max(1, Math.round(steps.length / 20));
  const nll = steps.map((e) => [e.step, e.nll] as [number, number | null]);
  const plot = linePlotSvg(
    [
      { label: 'NLL', points: nll, color: '#c6dbef' },
      { label: `NLL (avg ${w})`, points: movingAverage(nll, w), color: '#1f77b4' },
    ],
    { title: 'Supervised NLL per step', xLabel: 'step', yLabel: 'mean token NLL' },
  );
  const epochs = [...new Set(steps.map((e) => e.epoch))];
  const rows = epochs.map((ep) => {
    const xs = steps.filter((e) => e.epoch === ep);
    const t = metricTrend(xs.map((e) => e.nll));
    return [String(ep + 1), String(xs.length), num(t.mean), num(t.first), num(t.last)];
  });
  const head = ['epoch', 'steps', 'mean NLL', 'first 10%', 'last 10%'];
  const markdown = [`# ${title}`, '', `| ${head.join(' | ')} |`, '|---|---:|---:|---:|---:|', ...rows.map((r) => `| ${r.join(' | ')} |`), ''].join('\n');
  const summary = summarizeRun(events);
  return { html: page(title, `${htmlTable(head, rows)}\n<div class="plots">${plot}</div>`), markdown, summary };
}

/**
 * Turns a run's parsed events.jsonl into an HTML page with plots and a markdown summary (`evolmm report`). An
 * `sft` run folder gets its NLL curve and per-epoch table instead.
 */
export function renderRunReport(events: readonly unknown[], options: { title?: string; smooth?: number } = {}): RunReport {
  const kind = (events.find((e) => (e as { type?: string })?.type === 'run_start') as { kind?: string } | undefined)?.kind;
  if (kind === 'sft') return renderSftReport(events, options.title ?? 'evolmm sft run', options.smooth);
  const summary = summarizeRun(events);
  const it: IterationEvent[] = iterationEvents(events);
  const title = options.title ?? 'evolmm evolve run';
  const w = options.smooth ?? Math.max(1, Math.round(it.length / 20));
  const x = (f: (e: IterationEvent) => number | null) => it.map((e) => [e.iteration, f(e)] as [number, number | null]);
  const solverR = x((e) => e.solver.rewards.reduce((a, b) => a + b, 0) / e.solver.rewards.length);
  const propR = x((e) => e.proposer.reward);

  const plots = [
    linePlotSvg(
      [
        { label: 'solver reward', points: solverR, color: '#c6dbef' },
        { label: `solver reward (avg ${w})`, points: movingAverage(solverR, w), color: '#1f77b4' },
        { label: 'proposer reward', points: propR, color: '#fcbba1' },
        { label: `proposer reward (avg ${w})`, points: movingAverage(propR, w), color: '#d62728' },
      ],
      { title: 'Rewards', xLabel: 'iteration', yLabel: 'reward' },
    ),
    linePlotSvg(
      [
        { label: 'entropy (nats)', points: x((e) => e.entropy), color: '#c7e9c0' },
        { label: `entropy (avg ${w})`, points: movingAverage(x((e) => e.entropy), w), color: '#2ca02c' },
        { label: `majority fraction (avg ${w})`, points: movingAverage(x((e) => e.majorityFraction), w), color: '#ff7f0e' },
      ],
      { title: 'Answer entropy and agreement', xLabel: 'iteration' },
    ),
    linePlotSvg(
      [
        { label: 'solver KL', points: x((e) => e.solver.kl) },
        { label: 'proposer KL (updates)', points: x((e) => e.proposer.kl), dots: true },
      ],
      { title: 'KL(π ‖ π_ref)', xLabel: 'iteration', yLabel: 'KL per token' },
    ),
    linePlotSvg(
      [
        { label: 'β solver', points: x((e) => e.solver.betaAfter) },
        { label: 'β proposer', points: x((e) => e.proposer.betaAfter) },
      ],
      { title: 'KL coefficient β', xLabel: 'iteration', logY: true },
    ),
  ];

  const rows = summaryRows(summary);
  const facts: [string, string][] = [
    ['iterations', String(summary.iterations)],
    ['optimiser steps (solver / proposer)', `${summary.updates.solver} / ${summary.updates.proposer}`],
    ['β solver (initial → final)', summary.beta.solver ? `${num(summary.beta.solver.initial)} → ${num(summary.beta.solver.final)}` : '–'],
    ['β proposer (initial → final)', summary.beta.proposer ? `${num(summary.beta.proposer.initial)} → ${num(summary.beta.proposer.final)}` : '–'],
    ['baselines (solver / proposer)', summary.baselines ? `${num(summary.baselines.solver)} / ${num(summary.baselines.proposer)}` : '–'],
    ['malformed proposals', String(summary.malformedProposals)],
    ['skipped images', String(summary.skippedImages)],
  ];

  const markdown = [
    `# ${title}`,
    '',
    '| metric | mean | first 10% | last 10% |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    '| run | value |',
    '|---|---|',
    ...facts.map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ].join('\n');

  const lastQuestions = it.slice(-5).map((e) => [String(e.iteration), e.proposer.question, e.solver.answers.join(' | '), num(e.entropy, 3)]);
  const html = page(
    title,
    `${htmlTable(['metric', 'mean', 'first 10%', 'last 10%'], rows)}
${htmlTable(['run', 'value'], facts)}
<div class="plots">${plots.join('\n')}</div>
<h2>Last questions</h2>
${htmlTable(['iteration', 'question', 'answers', 'entropy'], lastQuestions)}`,
  );
  return { html, markdown, summary };
}

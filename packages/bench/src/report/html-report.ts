import type { BenchRun } from '../runner/types.js';
import { modelAgreement } from './agreement.js';
import { breakdownGroups, formatAccuracy, formatNumber, formatRate } from './format.js';
import { escapeHtml, htmlPage, htmlTable, type HtmlSection } from './html-page.js';
import { svgBarChart } from './svg-charts.js';

/** Breakdowns with more groups than this are charted by their largest groups only (the table keeps all). */
const MAX_CHART_GROUPS = 40;

/** report.html: accuracy, breakdowns, agreement between models and throughput, with inline SVG charts. */
export function benchHtml(run: BenchRun, title = 'evolmm benchmark report'): string {
  const get = (model: string, bench: string) => run.results.find((r) => r.model === model && r.benchmark === bench);
  const models = run.models.map((m) => m.id);
  const sections: HtmlSection[] = [];
  sections.push({
    body:
      `<p class="note">Run ${escapeHtml(run.startedAt)} → ${escapeHtml(run.finishedAt)}` +
      (run.limit !== undefined ? `, first ${run.limit} items per benchmark` : '') +
      '. Models: ' +
      run.models.map((m) => `<code>${escapeHtml(m.id)}</code> (${escapeHtml(m.modelId)})`).join(', ') +
      '.</p>',
  });
  sections.push({
    title: 'Accuracy per benchmark',
    body:
      svgBarChart({
        title: 'Accuracy (%)',
        categories: run.benchmarks,
        series: models.map((m) => ({ name: m, values: run.benchmarks.map((b) => get(m, b)?.summary.accuracy ?? Number.NaN) })),
        yMax: 100,
        yLabel: 'accuracy (%)',
      }) +
      htmlTable(['model', ...run.benchmarks], models.map((m) => [m, ...run.benchmarks.map((b) => formatAccuracy(get(m, b)?.summary))])),
  });
  for (const b of run.benchmarks) {
    const summaries = models.map((m) => get(m, b)?.summary);
    const names = [...new Set(summaries.flatMap((s) => Object.keys(s?.breakdowns ?? {})))];
    let body = '';
    for (const name of names) {
      const groups = breakdownGroups(summaries.map((s) => s?.breakdowns[name]));
      const total = (g: string) => Math.max(...summaries.map((s) => s?.breakdowns[name]?.[g]?.total ?? 0));
      const charted = groups.length > MAX_CHART_GROUPS ? [...groups].sort((x, y) => total(y) - total(x)).slice(0, MAX_CHART_GROUPS) : groups;
      body += svgBarChart({
        title: `${b} · accuracy by ${name}` + (charted.length < groups.length ? ` (${charted.length} largest of ${groups.length})` : ''),
        categories: charted,
        series: models.map((m, i) => ({ name: m, values: charted.map((g) => summaries[i]?.breakdowns[name]?.[g]?.accuracy ?? Number.NaN) })),
        yMax: 100,
        yLabel: 'accuracy (%)',
        valueLabel: (v) => v.toFixed(1),
      });
      body += htmlTable([name, ...models], groups.map((g) => [g, ...summaries.map((s) => formatAccuracy(s?.breakdowns[name]?.[g]))]));
    }
    if (body !== '') sections.push({ title: `${b}: breakdowns`, body });
  }
  const agreement = modelAgreement(run);
  if (agreement.length > 0) {
    const pairs = [...new Set(agreement.map((a) => `${a.a} vs ${a.b}`))];
    sections.push({
      title: 'Agreement between models',
      body:
        '<p class="note">Share of items where both models give the same extracted answer (no answer counts as disagreement).</p>' +
        svgBarChart({
          title: 'Same extracted answer (%)',
          categories: pairs,
          series: run.benchmarks.map((b) => ({
            name: b,
            values: pairs.map((p) => {
              const a = agreement.find((x) => x.benchmark === b && `${x.a} vs ${x.b}` === p);
              return a && a.total > 0 ? 100 * a.rate : Number.NaN;
            }),
          })),
          yMax: 100,
          yLabel: 'agreement (%)',
        }) +
        htmlTable(['benchmark', 'model A', 'model B', 'same answer'], agreement.map((a) => [a.benchmark, a.a, a.b, formatRate(a.agree, a.total)])),
    });
  }
  sections.push({
    title: 'Throughput',
    body:
      '<p class="note">Rates from per-item generate latency (cached items keep the latency measured when they were generated).</p>' +
      svgBarChart({
        title: 'Generated tokens per second',
        categories: models,
        series: run.benchmarks.map((b) => ({ name: b, values: models.map((m) => get(m, b)?.throughput.tokensPerSecond ?? Number.NaN) })),
        yLabel: 'tokens/s',
        valueLabel: (v) => v.toFixed(1),
      }) +
      svgBarChart({
        title: 'Mean latency per item (ms)',
        categories: models,
        series: run.benchmarks.map((b) => ({ name: b, values: models.map((m) => get(m, b)?.throughput.meanLatencyMs ?? Number.NaN) })),
        yLabel: 'ms',
        valueLabel: (v) => v.toFixed(0),
      }) +
      htmlTable(
        ['model', 'benchmark', 'items', 'generated', 'tokens', 'mean latency (ms)', 'tokens/s', 'items/s'],
        run.results.map((r) => [
          r.model,
          r.benchmark,
          r.throughput.items,
          r.throughput.generated,
          r.throughput.tokens,
          formatNumber(r.throughput.meanLatencyMs, 1),
          formatNumber(r.throughput.tokensPerSecond),
          formatNumber(r.throughput.itemsPerSecond, 3),
        ]),
      ),
  });
  return htmlPage(title, sections);
}

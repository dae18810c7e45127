import type { BenchRun } from '../runner/types.js';
import { modelAgreement } from './agreement.js';
import { breakdownGroups, formatAccuracy, formatNumber, formatRate } from './format.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `|${headers.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** results.md: accuracy per model per benchmark, every breakdown, agreement between models, throughput. */
export function benchMarkdown(run: BenchRun): string {
  const get = (model: string, bench: string) => run.results.find((r) => r.model === model && r.benchmark === bench);
  const parts: string[] = ['# Benchmark results', ''];
  parts.push(`Run ${run.startedAt} → ${run.finishedAt}${run.limit !== undefined ? `, first ${run.limit} items per benchmark` : ''}.`);
  parts.push('', 'Models: ' + run.models.map((m) => `\`${m.id}\` (${m.modelId})`).join(', ') + '.', '');
  parts.push('## Accuracy (%)', '');
  parts.push(
    table(
      ['model', ...run.benchmarks],
      run.models.map((m) => [m.id, ...run.benchmarks.map((b) => formatAccuracy(get(m.id, b)?.summary))]),
    ),
  );
  for (const b of run.benchmarks) {
    const summaries = run.models.map((m) => get(m.id, b)?.summary);
    const names = [...new Set(summaries.flatMap((s) => Object.keys(s?.breakdowns ?? {})))];
    if (names.length === 0) continue;
    parts.push('', `## ${b}: breakdowns`);
    for (const name of names) {
      const groups = breakdownGroups(summaries.map((s) => s?.breakdowns[name]));
      parts.push('', `### ${name}`, '');
      parts.push(
        table(
          [name, ...run.models.map((m) => m.id)],
          groups.map((g) => [g, ...summaries.map((s) => formatAccuracy(s?.breakdowns[name]?.[g]))]),
        ),
      );
    }
  }
  const agreement = modelAgreement(run);
  if (agreement.length > 0) {
    parts.push('', '## Agreement between models', '', 'Share of items where both models give the same extracted answer.', '');
    parts.push(table(['benchmark', 'model A', 'model B', 'same answer'], agreement.map((a) => [a.benchmark, a.a, a.b, formatRate(a.agree, a.total)])));
  }
  parts.push('', '## Throughput', '');
  parts.push(
    table(
      ['model', 'benchmark', 'items', 'generated', 'tokens', 'mean latency (ms)', 'tokens/s', 'items/s'],
      run.results.map((r) => [
        r.model,
        r.benchmark,
        String(r.throughput.items),
        String(r.throughput.generated),
        String(r.throughput.tokens),
        formatNumber(r.throughput.meanLatencyMs, 1),
        formatNumber(r.throughput.tokensPerSecond),
        formatNumber(r.throughput.itemsPerSecond, 3),
      ]),
    ),
  );
  return parts.join('\n') + '\n';
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adder, fakeModel, halfAdder, toyBenchmark } from '../runner/__fixtures__/fakes.js';
import { runBench } from '../runner/run-bench.js';
import { modelAgreement } from './agreement.js';
import { benchHtml } from './html-report.js';
import { benchMarkdown } from './markdown-report.js';
import { writeBenchReport } from './write-report.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evolmm-report-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let runs = 0;
async function sampleRun() {
  // good: all right; half: right when a (= item index) is even, else "0"; zero: always "0".
  return runBench({
    models: [
      { id: 'good', model: fakeModel('good', adder) },
      { id: 'half', model: fakeModel('half', halfAdder) },
      { id: 'zero', model: fakeModel('zero', () => '0') },
    ],
    benchmarks: [toyBenchmark('toy-a', 10), toyBenchmark('toy-b', 4)],
    outDir: path.join(tmp, `run-${runs++}`),
    report: false,
  });
}

describe('bench reports', () => {
  it('computes agreement between models from their extracted answers', async () => {
    const run = await sampleRun();
    const a = modelAgreement(run);
    const get = (b: string, x: string, y: string) => a.find((e) => e.benchmark === b && e.a === x && e.b === y)!;
    // good vs half: same on even indices (5 of 10; 2 of 4). half vs zero: same on odd indices. good vs zero: never
    // (a + b = 3i + 1 is never 0).
    expect(get('toy-a', 'good', 'half')).toMatchObject({ agree: 5, total: 10, rate: 0.5 });
    expect(get('toy-b', 'good', 'half')).toMatchObject({ agree: 2, total: 4 });
    expect(get('toy-a', 'half', 'zero')).toMatchObject({ agree: 5, total: 10 });
    expect(get('toy-a', 'good', 'zero')).toMatchObject({ agree: 0, total: 10, rate: 0 });
    expect(a).toHaveLength(6);
  });

  it('writes the accuracy table, breakdowns, agreement and throughput to results.md', async () => {
    const md = benchMarkdown(await sampleRun());
    expect(md).toContain('| model | toy-a | toy-b |');
    expect(md).toContain('| good | 100.00 (10/10) | 100.00 (4/4) |');
    expect(md).toContain('| half | 50.00 (5/10) | 50.00 (2/4) |');
    expect(md).toContain('| zero | 0.00 (0/10) | 0.00 (0/4) |');
    // toy-a parity: sums 3i+1 are odd for even i (5 items), even for odd i (5). half is right exactly on the odd sums.
    expect(md).toContain('| odd | 100.00 (5/5) | 100.00 (5/5) | 0.00 (0/5) |');
    expect(md).toContain('| even | 100.00 (5/5) | 0.00 (0/5) | 0.00 (0/5) |');
    expect(md).toContain('| toy-a | good | half | 50.00% (5/10) |');
    // Throughput row: zero's toy-a outputs are "0" ×10 → 10 tokens.
    expect(md).toMatch(/\| zero \| toy-a \| 10 \| 10 \| 10 \| /);
  });

  it('writes a self-contained report.html with a chart per benchmark breakdown', async () => {
    const run = await sampleRun();
    const html = benchHtml(run);
    expect(html).not.toMatch(/<script|<link |https?:\/\/(?!www\.w3\.org)/);
    // Accuracy, 2 breakdown charts, agreement, 2 throughput charts.
    expect(html.match(/<svg /g)).toHaveLength(6);
    expect(html).toContain('toy-a · accuracy by parity');
    expect(html).toContain('<td>half</td><td>50.00 (5/10)</td>');
    expect(html).toContain('good vs half');
  });

  it('writes results.json, results.md and report.html atomically', async () => {
    const run = await sampleRun();
    const out = path.join(tmp, 'files');
    const files = writeBenchReport(run, out);
    expect(JSON.parse(fs.readFileSync(files.json, 'utf8'))).toEqual(JSON.parse(JSON.stringify(run)));
    expect(fs.readFileSync(files.markdown, 'utf8')).toBe(benchMarkdown(run));
    expect(fs.readFileSync(files.html, 'utf8')).toBe(benchHtml(run));
    expect(fs.readdirSync(out).sort()).toEqual(['report.html', 'results.json', 'results.md']);
  });
});

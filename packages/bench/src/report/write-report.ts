import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '@evolmm/core';
import type { BenchRun } from '../runner/types.js';
import { benchHtml } from './html-report.js';
import { benchMarkdown } from './markdown-report.js';

export interface BenchReportFiles {
  readonly json: string;
  readonly markdown: string;
  readonly html: string;
}

/** Writes results.json, results.md and report.html into `outDir`, each atomically. Returns their absolute paths. */
export function writeBenchReport(run: BenchRun, outDir: string, options: { title?: string } = {}): BenchReportFiles {
  const dir = path.resolve(outDir);
  const files = { json: path.join(dir, 'results.json'), markdown: path.join(dir, 'results.md'), html: path.join(dir, 'report.html') };
  writeJsonAtomic(files.json, run);
  writeFileAtomic(files.markdown, benchMarkdown(run));
  writeFileAtomic(files.html, benchHtml(run, options.title));
  return files;
}

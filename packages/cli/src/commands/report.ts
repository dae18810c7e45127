import fs from 'node:fs';
import path from 'node:path';
import { EVENTS_FILE, EvolmmError, readJsonl, renderRunReport, writeFileAtomic } from '@evolmm/core';
import { stringOpt } from '../args.js';
import type { Command } from '../command.js';
import { writeLine } from '../io.js';

export const reportCommand: Command = {
  name: 'report',
  summary: 'turn an evolve or sft run folder into an HTML page with plots and a markdown summary',
  usage: '<run-dir> [--out <dir>] [--json]',
  description: 'Reads <run-dir>/events.jsonl; writes report.html and report.md beside it (or in --out).',
  positionals: [1, 1],
  options: {
    out: { type: 'string', description: 'folder for report.html and report.md (default: the run folder)' },
    title: { type: 'string', description: 'page title' },
    json: { type: 'boolean', description: 'print the run summary as JSON' },
  },
  examples: ['evolmm report runs/r1', 'evolmm report runs/r1 --json | jq .solver'],
  async run({ io, values, positionals }) {
    const dir = path.resolve(io.cwd, positionals[0]!);
    const events = path.join(dir, EVENTS_FILE);
    if (!fs.existsSync(events)) {
      throw new EvolmmError('NOT_FOUND', `${dir} is not a run folder: ${EVENTS_FILE} is missing. Pass the --out folder of 'evolmm evolve' or 'evolmm sft'.`);
    }
    const report = renderRunReport(readJsonl(events), { title: stringOpt(values, 'title') ?? `evolmm run ${path.basename(dir)}` });
    const outDir = path.resolve(io.cwd, stringOpt(values, 'out') ?? dir);
    fs.mkdirSync(outDir, { recursive: true });
    writeFileAtomic(path.join(outDir, 'report.html'), report.html);
    writeFileAtomic(path.join(outDir, 'report.md'), report.markdown);
    if (values.json) writeLine(io.stdout, JSON.stringify(report.summary, null, 2));
    else {
      io.stdout.write(report.markdown.endsWith('\n') ? report.markdown : `${report.markdown}\n`);
      writeLine(io.stdout, `\nreport: ${path.join(outDir, 'report.html')}`);
    }
    return 0;
  },
};

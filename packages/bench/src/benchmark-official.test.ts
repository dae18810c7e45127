/**
 * The Benchmark objects' score → officialScores path reproduces the published score files too (a second code path
 * next to the rescoring functions).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mathvision } from './mathvision/benchmark.js';
import { readMathVisionProblems, type MathVisionItem } from './mathvision/loader.js';
import { mathvista } from './mathvista/benchmark.js';
import type { MathVistaItem } from './mathvista/loader.js';

const BENCHDATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/benchdata');
const json = (f: string) => JSON.parse(fs.readFileSync(path.join(BENCHDATA, f), 'utf8'));

describe('Benchmark objects reproduce the published score files', () => {
  it('mathvision(): score every Gemini-Pro response, officialScores = Gemini-Pro_result.json; summarize agrees', () => {
    const problems = new Map(readMathVisionProblems(path.join(BENCHDATA, 'mathvision/data/test.jsonl')).map((p) => [p.id, p]));
    const bench = mathvision();
    const lines = fs.readFileSync(path.join(BENCHDATA, 'mathvision/outputs/closed-source/Gemini/Gemini-Pro.jsonl'), 'utf8').trim().split('\n');
    const scores = lines.map((l) => {
      const r = JSON.parse(l) as { id: string; response: string };
      const item = { ...problems.get(String(r.id))!, image: 'unused.jpg' } as MathVisionItem;
      return bench.score(item, r.response);
    });
    const published = json('mathvision/outputs/closed-source/Gemini/Gemini-Pro_result.json') as Record<string, string>;
    expect(bench.officialScores(scores)).toEqual(published);
    const summary = bench.summarize(scores);
    expect(`${summary.correct}/${summary.total}`).toBe('537/3040');
    for (const [subject, e] of Object.entries(summary.breakdowns.subject)) expect(published[subject].startsWith(`${e.correct}/${e.total}=`)).toBe(true);
    for (const [level, e] of Object.entries(summary.breakdowns.level)) expect(published[`-level${level}`].startsWith(`${e.correct}/${e.total}=`)).toBe(true);
  });

  it('mathvista({ intRule: "legacy" }): scoreExtraction on the stored Bard extractions, officialScores = scores_bard.json', () => {
    const bench = mathvista({ intRule: 'legacy' });
    const output = json('mathvista/results/bard/output_bard.json') as Record<string, MathVistaItem & { extraction: string }>;
    const scores = Object.values(output).map((r) => bench.scoreExtraction({ ...r, image: 'unused.jpg' }, r.extraction, 'llm'));
    expect(bench.officialScores(scores)).toEqual(json('mathvista/results/bard/scores_bard.json'));
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImagePart, TextPart } from '@evolmm/core';
import { syntheticCharts, type SyntheticBenchItem } from './benchmark.js';
import { MANIFEST_FILE, readSyntheticDataset, writeSyntheticDataset } from './dataset.js';
import { generateSyntheticCharts } from './generate.js';
import { renderChart } from './render.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evolmm-synth-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function collect(it: AsyncIterable<SyntheticBenchItem>): Promise<SyntheticBenchItem[]> {
  const out: SyntheticBenchItem[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('syntheticCharts benchmark', () => {
  it('serves rendered items with the EvoLMM solver prompt, image first', async () => {
    const bench = syntheticCharts({ count: 4, seed: 5 });
    const items = await collect(bench.items({ limit: 3 }));
    expect(items.map((x) => x.id)).toEqual(['syn-5-00000', 'syn-5-00001', 'syn-5-00002']);
    const gen = generateSyntheticCharts({ count: 3, seed: 5 });
    expect(Buffer.from(items[1].image).equals(await renderChart(gen[1]))).toBe(true);
    const [msg] = bench.prompt(items[0]);
    const parts = msg.content as [ImagePart, TextPart];
    expect(msg.role).toBe('user');
    expect(parts[0].type).toBe('image');
    expect(parts[1].text).toContain('Wrap ONLY the final answer in <answer>...</answer>.');
    expect(parts[1].text.endsWith(`Question: ${items[0].question}`)).toBe(true);
    expect(bench.generation).toEqual({ maxNewTokens: 64, temperature: 0 });
    const direct = syntheticCharts({ count: 1, prompt: 'direct' });
    const [d] = await collect(direct.items());
    expect(((direct.prompt(d)[0].content as TextPart[])[1]).text).toBe(`${d.question}\nAnswer the question with a single word or number.`);
  });

  it('scores right and wrong answers and summarises per kind, question type and difficulty', async () => {
    const bench = syntheticCharts({ count: 12, seed: 8, difficulty: ['easy', 'hard'] });
    const items = await collect(bench.items());
    // Right on even items (tagged), wrong on odd ones.
    const scores = items.map((x, i) => bench.score(x, i % 2 === 0 ? `<answer>${x.answer}</answer>` : '<answer>zzz</answer>'));
    expect(scores.map((s) => s.correct)).toEqual(items.map((_, i) => i % 2 === 0));
    const summary = bench.summarize(scores);
    expect([summary.correct, summary.total, summary.accuracy]).toEqual([6, 12, 50]);
    // Hand count per kind: kinds are round-robin, so kind k holds items k, k+3, k+6, k+9; even ones are right.
    expect(summary.breakdowns.kind).toEqual({
      bar: { correct: 2, total: 4, accuracy: 50 },
      line: { correct: 2, total: 4, accuracy: 50 },
      pie: { correct: 2, total: 4, accuracy: 50 },
    });
    // Difficulty alternates per block of 3: easy 0-2, hard 3-5, easy 6-8, hard 9-11.
    expect(summary.breakdowns.difficulty.easy).toEqual({ correct: 4, total: 6, accuracy: (100 * 4) / 6 });
    const qt = summary.breakdowns.question_type;
    expect(Object.values(qt).reduce((a, e) => a + e.total, 0)).toBe(12);
    for (const [type, e] of Object.entries(qt)) {
      const idx = items.map((x, i) => [x, i] as const).filter(([x]) => x.questionType === type);
      expect(e.correct).toBe(idx.filter(([, i]) => i % 2 === 0).length);
    }
  });

  it('writes a dataset (PNG files + manifest.jsonl) and reads it back as the same items', async () => {
    const dir = path.join(tmp, 'ds');
    const progress: number[] = [];
    const ds = await writeSyntheticDataset(dir, { count: 4, seed: 2, onProgress: (d) => progress.push(d) });
    expect(progress).toEqual([1, 2, 3, 4]);
    const lines = fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ id: 'syn-2-00000', image: 'images/syn-2-00000.png', kind: 'bar', answer: ds.items[0].answer });
    for (const l of lines) {
      const meta = await sharp(path.join(dir, l.image)).metadata();
      expect([meta.width, meta.height]).toEqual([224, 224]);
    }
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const entries = readSyntheticDataset(dir);
    expect(path.isAbsolute(entries[0].image)).toBe(true);
    const fromDir = await collect(syntheticCharts().items({ dataDir: dir, limit: 3 }));
    const generated = await collect(syntheticCharts({ count: 3, seed: 2 }).items());
    expect(fromDir).toEqual(generated);
  });

  it('explains a missing manifest and stops on abort', async () => {
    expect(() => readSyntheticDataset(path.join(tmp, 'nowhere'))).toThrow(/no manifest\.jsonl .*writeSyntheticDataset/);
    const ac = new AbortController();
    ac.abort();
    await expect(collect(syntheticCharts({ count: 2 }).items({ signal: ac.signal }))).rejects.toThrow(/cancelled/);
  });
});

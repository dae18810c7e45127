import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rescoreMathVisionOutputs, type MathVisionOutputRecord } from './rescore.js';
import type { MathVisionProblem } from './types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/benchdata/mathvision');
const jsonl = <T>(f: string): T[] =>
  fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
const problems = jsonl<MathVisionProblem>('data/test.jsonl');

const FILES = [
  { output: 'outputs/Random-Chance.jsonl', result: 'outputs/Random-Chance_result.json', all: '218/3040=7.17%' },
  { output: 'outputs/closed-source/Gemini/Gemini-Pro.jsonl', result: 'outputs/closed-source/Gemini/Gemini-Pro_result.json', all: '537/3040=17.66%' },
  { output: 'outputs/open-source/LLavA/LLaVA-v1.5-7B.jsonl', result: 'outputs/open-source/LLavA/LLaVA-v1.5-7B_result.json', all: '259/3040=8.52%' },
];

describe('MATH-V rescoring of published outputs', () => {
  for (const f of FILES) {
    it(`${f.output} reproduces every model_answer, correct flag and all 178 entries of its result file`, () => {
      const records = jsonl<MathVisionOutputRecord>(f.output);
      const published = JSON.parse(fs.readFileSync(path.join(ROOT, f.result), 'utf8'));
      const { scores, items } = rescoreMathVisionOutputs(records, problems);
      const mismatches = items
        .map((it, i) => ({ id: it.id, got: [it.model_answer, it.correct], want: [records[i].model_answer, records[i].correct] }))
        .filter((m) => m.got[0] !== m.want[0] || m.got[1] !== m.want[1]);
      expect(mismatches).toEqual([]);
      expect(scores).toEqual(published);
      expect(Object.keys(scores)).toEqual(Object.keys(published)); // same sorted key order
      expect(Object.keys(scores)).toHaveLength(178);
      expect(scores['-all']).toBe(f.all);
    });
  }
});

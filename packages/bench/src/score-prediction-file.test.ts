import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EvolmmError } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { readMathVisionProblems } from './mathvision/loader.js';
import { findMathVisionProblemsFile, scorePredictionFile, scorePredictions, serializeRescoredItems } from './score-prediction-file.js';

const BENCHDATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/benchdata');
const json = (f: string) => JSON.parse(fs.readFileSync(path.join(BENCHDATA, f), 'utf8'));

// Every published prediction file in benchdata, with the score file beside it (docs/benchmarks.md §6).
const MATHVISTA = [
  ['mathvista/results/bard/output_bard.json', 'mathvista/results/bard/scores_bard.json'],
  ['mathvista/results/chatgpt/output_chatgpt_2shot_code.json', 'mathvista/results/chatgpt/scores_chatgpt_2shot_code.json'],
  ['mathvista/results/random/output_random_guess.json', 'mathvista/results/random/scores_random_guess.json'],
] as const;
const MATHVISION = [
  ['mathvision/outputs/Random-Chance.jsonl', 'mathvision/outputs/Random-Chance_result.json'],
  ['mathvision/outputs/closed-source/Gemini/Gemini-Pro.jsonl', 'mathvision/outputs/closed-source/Gemini/Gemini-Pro_result.json'],
  ['mathvision/outputs/open-source/LLavA/LLaVA-v1.5-7B.jsonl', 'mathvision/outputs/open-source/LLavA/LLaVA-v1.5-7B_result.json'],
] as const;

describe('scorePredictionFile reproduces every published score file', () => {
  for (const [output, scores] of MATHVISTA) {
    it(`mathvista ${path.basename(output)} (legacy integer rule)`, () => {
      const result = scorePredictionFile('mathvista', path.join(BENCHDATA, output), { intRule: 'legacy' });
      expect(result.scores).toEqual(json(scores));
      // JSON-ready: survives a round trip unchanged
      expect(JSON.parse(JSON.stringify(result.scores))).toEqual(result.scores);
    });
  }
  it('the chatgpt file is only reproduced under the legacy rule', () => {
    const file = path.join(BENCHDATA, MATHVISTA[1][0]);
    expect(scorePredictionFile('mathvista', file).scores).not.toEqual(json(MATHVISTA[1][1]));
    expect((scorePredictionFile('mathvista', file).scores.average as { correct: number }).correct).toBe(257);
  });
  for (const [output, result] of MATHVISION) {
    it(`mathvision ${path.basename(output)} (problems found by walking up to data/test.jsonl)`, () => {
      const r = scorePredictionFile('mathvision', path.join(BENCHDATA, output));
      expect(r.scores).toEqual(json(result));
      expect(Object.keys(r.scores)).toEqual(Object.keys(json(result)));
    });
  }
  it('finds data/test.jsonl above a nested output file', () => {
    expect(findMathVisionProblemsFile(path.join(BENCHDATA, MATHVISION[1][0]))).toBe(path.join(BENCHDATA, 'mathvision/data/test.jsonl'));
  });
});

describe('pure variant, items and errors', () => {
  it('scorePredictions on parsed content equals the file variant; items carry the recomputed fields', () => {
    const problems = readMathVisionProblems(path.join(BENCHDATA, 'mathvision/data/test.jsonl'));
    const records = fs.readFileSync(path.join(BENCHDATA, MATHVISION[2][0]), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const pure = scorePredictions('mathvision', records, { problems });
    expect(pure.scores).toEqual(json(MATHVISION[2][1]));
    const items = pure.items as { id: string; model_answer: string; correct: boolean }[];
    expect(items).toHaveLength(3040);
    expect(items.filter((i) => i.correct)).toHaveLength(259);
    // --out writes JSONL for MATH-V, one record per line
    expect(serializeRescoredItems(pure).trim().split('\n')).toHaveLength(3040);
    const vista = scorePredictions('mathvista', json(MATHVISTA[2][0]), { intRule: 'legacy' });
    const parsed = JSON.parse(serializeRescoredItems(vista)) as Record<string, { true_false: boolean }>;
    expect(Object.values(parsed).filter((r) => r.true_false)).toHaveLength(179);
  });

  it('ChartQA predictions (JSONL, lmms-eval sample logs or plain records) give lmms-eval metrics', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evolmm-score-'));
    const file = path.join(dir, 'preds.jsonl');
    const lines = [
      { type: 'human_test', answer: '14', prediction: '14.5' }, // within 5 %
      { type: 'human_test', answer: 'Yes', prediction: 'Yes.' }, // punctuation breaks the word match
      { doc: { type: 'augmented_test', answer: '0.45' }, filtered_resps: ['45%'] },
      { human_or_machine: 1, label: 'Inspired', pred: 'inspired' },
    ];
    fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const r = scorePredictionFile('chartqa', file);
    expect(r.scores).toEqual({ relaxed_overall: 0.75, relaxed_human_split: 0.5, relaxed_augmented_split: 1 });
    expect((r.items as { correct: boolean }[]).map((i) => i.correct)).toEqual([true, false, true, true]);
  });

  it('clear errors: unknown benchmark, missing file, missing problems, wrong shapes', () => {
    const expectError = (fn: () => unknown, re: RegExp) => {
      try {
        fn();
      } catch (e) {
        expect(EvolmmError.isInstance(e)).toBe(true);
        expect((e as Error).message).toMatch(re);
        return;
      }
      throw new Error('expected an error');
    };
    expectError(() => scorePredictionFile('mmmu' as 'chartqa', 'x'), /expected one of chartqa, mathvista, mathvision/);
    expectError(() => scorePredictionFile('mathvista', '/nonexistent/output.json'), /does not exist; expected a MathVista output_\*\.json/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evolmm-score-'));
    const lone = path.join(dir, 'x.jsonl');
    fs.writeFileSync(lone, '{"id": "1", "response": "A"}\n');
    expectError(() => scorePredictionFile('mathvision', lone), /no data\/test\.jsonl found above/);
    expectError(() => scorePredictions('mathvista', [], {}), /object pid → record/);
    expectError(() => scorePredictions('mathvision', [{ id: '99999', response: 'x' }], { problems: [] }), /not in the problem set/);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rescoreMathVistaOutputs, type MathVistaOutputRecord } from './rescore.js';

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/benchdata/mathvista/results');
const read = (f: string) => JSON.parse(fs.readFileSync(path.join(DATA, f), 'utf8'));

// docs/benchmarks.md §6: the integer rule each published file was scored under.
const FILES = [
  { output: 'bard/output_bard.json', scores: 'bard/scores_bard.json', rule: 'legacy', correct: 348 },
  { output: 'chatgpt/output_chatgpt_2shot_code.json', scores: 'chatgpt/scores_chatgpt_2shot_code.json', rule: 'legacy', correct: 251 },
  { output: 'random/output_random_guess.json', scores: 'random/scores_random_guess.json', rule: 'legacy', correct: 179 },
] as const;

describe('MathVista rescoring of published output files', () => {
  for (const f of FILES) {
    it(`${f.output} reproduces ${f.scores} under the ${f.rule} integer rule`, () => {
      const content = read(f.output) as Record<string, MathVistaOutputRecord>;
      const published = read(f.scores);
      const { scores, items } = rescoreMathVistaOutputs(content, { intRule: f.rule });
      expect(scores).toEqual(published);
      expect(scores.average.correct).toBe(f.correct);
      // every stored prediction and true_false is reproduced
      for (const [pid, rec] of Object.entries(content)) {
        expect({ pid, p: items[pid].prediction, t: items[pid].true_false }).toEqual({ pid, p: rec.prediction, t: rec.true_false });
      }
    });
  }
});

describe('MathVista integer rules differ exactly where docs/benchmarks.md §6 says', () => {
  const diff = (f: string) => {
    const content = read(f) as Record<string, MathVistaOutputRecord>;
    const current = rescoreMathVistaOutputs(content, { intRule: 'current' });
    const legacy = rescoreMathVistaOutputs(content, { intRule: 'legacy' });
    const changed = Object.keys(content).filter((pid) => current.items[pid].prediction !== legacy.items[pid].prediction);
    return { current, legacy, changed };
  };
  it('bard: same true_false under both rules, predictions differ on pids 89, 617, 729 only', () => {
    const { current, legacy, changed } = diff('bard/output_bard.json');
    expect(changed).toEqual(['89', '617', '729']);
    expect(changed.map((pid) => [current.items[pid].prediction, legacy.items[pid].prediction])).toEqual([
      ['3', null], // extraction "3.4"
      ['7', null], // "7.07"
      ['0', null], // "0.5"
    ]);
    expect(current.scores).toEqual(legacy.scores);
  });
  it('chatgpt_2shot_code: 257 correct under the current rule, 55 predictions differ', () => {
    const { current, changed } = diff('chatgpt/output_chatgpt_2shot_code.json');
    expect(current.scores.average).toEqual({ accuracy: '25.7', correct: 257, total: 1000 });
    expect(changed).toHaveLength(55);
  });
  it('random_guess: both rules give 179', () => {
    const { current, legacy } = diff('random/output_random_guess.json');
    expect(current.scores).toEqual(legacy.scores);
    expect(current.scores.average.correct).toBe(179);
  });
});

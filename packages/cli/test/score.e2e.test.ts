import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evolmm } from './cli-helpers.js';

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/benchdata');
const readJson = (f: string) => JSON.parse(fs.readFileSync(path.join(DATA, f), 'utf8'));

// `evolmm score ... --json` must print exactly the published scores file of each prediction file (issue 7).
describe('evolmm score reproduces the published score files', () => {
  it.each([
    ['mathvista', 'mathvista/results/bard/output_bard.json', 'mathvista/results/bard/scores_bard.json', 'legacy'],
    ['mathvista', 'mathvista/results/chatgpt/output_chatgpt_2shot_code.json', 'mathvista/results/chatgpt/scores_chatgpt_2shot_code.json', 'legacy'],
    ['mathvista', 'mathvista/results/random/output_random_guess.json', 'mathvista/results/random/scores_random_guess.json', 'legacy'],
    ['mathvision', 'mathvision/outputs/Random-Chance.jsonl', 'mathvision/outputs/Random-Chance_result.json', 'current'],
    ['mathvision', 'mathvision/outputs/closed-source/Gemini/Gemini-Pro.jsonl', 'mathvision/outputs/closed-source/Gemini/Gemini-Pro_result.json', 'current'],
    ['mathvision', 'mathvision/outputs/open-source/LLavA/LLaVA-v1.5-7B.jsonl', 'mathvision/outputs/open-source/LLavA/LLaVA-v1.5-7B_result.json', 'current'],
  ])('%s %s', async (bench, predictions, published, intRule) => {
    const res = await evolmm(['score', bench, path.join(DATA, predictions), '--json', '--int-rule', intRule]);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual(readJson(published));
  });

  it('writes the rescored items with --out', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evolmm-score-'));
    const out = path.join(dir, 'rescored.jsonl');
    const res = await evolmm(['score', 'mathvision', path.join(DATA, 'mathvision/outputs/Random-Chance.jsonl'), '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3040);
    expect(res.stdout).toContain('mathvision');
  });

  it('explains a missing file and an unknown benchmark', async () => {
    const missing = await evolmm(['score', 'mathvista', '/nonexistent/output.json', '--json']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('/nonexistent/output.json');
    const unknown = await evolmm(['score', 'mathvistaa', 'x.json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('mathvista');
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../event-log.js';
import { solverPrompt } from '../evolmm-prompts.js';
import { createRng, permutation } from '../rng.js';
import type { StepStats } from '../spec/policy.js';
import { ANSWERS, createFakePolicy } from '../evolve/__fixtures__/fake-policy.js';
import { readLines, tmpDir } from '../evolve/__fixtures__/run-helpers.js';
import { readSftManifest, renderTarget } from './sft-data.js';
import { sft, validateSftConfig, type SftStepEvent } from './sft.js';

function manifest(root: string, n: number): string {
  const file = path.join(root, 'train.jsonl');
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ image: `img/${i}.png`, question: `Q${i}?`, answer: i % 2 ? 4 : '4' }));
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function recording() {
  const policy = createFakePolicy();
  const returned: StepStats[] = [];
  const step = policy.step.bind(policy);
  policy.step = async (b) => {
    const s = await step(b);
    returned.push(s);
    return s;
  };
  return { policy, returned };
}

describe('sft', () => {
  it('trains on <answer>…</answer> + end-of-turn, advantage 1, β 0, seeded per-epoch shuffles', async () => {
    const root = tmpDir('evolmm-sft-');
    const data = manifest(root, 5);
    const { policy, returned } = recording();
    const before = policy.logits('default');
    const res = await sft({ policy, data, out: path.join(root, 'run'), epochs: 3, checkpointEvery: 4 });
    expect(res.steps).toBe(15);
    const events = readJsonl<SftStepEvent>(res.eventsFile).slice(1);
    const recs = readSftManifest(data);
    events.forEach((e, k) => {
      const epoch = Math.floor(k / 5);
      expect(e.epoch).toBe(epoch);
      expect(e.index).toBe(permutation(5, createRng(42, epoch))[k % 5]);
      const call = policy.calls[k];
      expect(call.adapter).toBe('default');
      expect(call.beta).toBe(0);
      expect(call.learningRate).toBe(1e-4);
      expect(call.samples).toEqual([{ tokenIds: [...policy.encode('<answer>4</answer>'), policy.endOfTurnTokenId], advantage: 1 }]);
      expect(call.messages[0].content).toEqual([
        { type: 'image', image: recs[e.index].image },
        { type: 'text', text: solverPrompt(`Q${e.index}?`) },
      ]);
      expect([e.loss, e.nll, e.kl, e.gradNorm]).toEqual([returned[k].loss, returned[k].nll[0], returned[k].kl[0], returned[k].gradNorm]);
    });
    // Each epoch visits every record once.
    for (let ep = 0; ep < 3; ep++) expect(events.filter((e) => e.epoch === ep).map((e) => e.index).sort()).toEqual([0, 1, 2, 3, 4]);
    // The fake learned the labeled answer: its logit for '4' rose above every other.
    const after = policy.logits('default');
    const i4 = ANSWERS.indexOf('4');
    expect(after[i4] - before[i4]).toBeGreaterThan(1);
    for (let j = 0; j < after.length; j++) if (j !== i4) expect(after[j]).toBeLessThan(after[i4]);
    expect(fs.readdirSync(path.join(root, 'run/checkpoints')).sort()).toEqual(['step_00012', 'step_00015']);
  });

  it('resumes from a checkpoint and reproduces the uninterrupted log', async () => {
    const root = tmpDir('evolmm-sft-');
    const data = manifest(root, 4);
    const base = { data, epochs: 3, checkpointEvery: 5 };
    const a = await sft({ ...base, policy: createFakePolicy(), out: path.join(root, 'a') });
    const ctrl = new AbortController();
    const outB = path.join(root, 'b');
    await expect(
      sft({ ...base, policy: createFakePolicy(), out: outB, signal: ctrl.signal, onProgress: (e) => e.type === 'step' && e.step === 8 && ctrl.abort() }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    const b = await sft({ ...base, policy: createFakePolicy(), out: outB, resume: true });
    expect(b.resumedFrom).toMatch(/step_00005$/);
    const strip = (f: string) => (readLines(f) as Record<string, unknown>[]).map((e) => (e.type === 'run_start' ? { ...e, config: { ...(e.config as object), out: '' } } : e));
    expect(strip(b.eventsFile)).toEqual(strip(a.eventsFile));
    await expect(sft({ ...base, learningRate: 1e-3, policy: createFakePolicy(), out: outB, resume: true })).rejects.toThrow(/learningRate/);
  });

  it('validates config, template and data', async () => {
    expect(() => validateSftConfig({ epoch: 2 })).toThrow(/unknown key 'epoch' \(did you mean 'epochs'\?\)/);
    expect(() => validateSftConfig({ targetTemplate: 'The answer' })).toThrow(/'targetTemplate' must be a string containing '\{answer\}'/);
    expect(renderTarget('Q: {question} <answer>{answer}</answer>', { question: 'q', answer: '$5' })).toBe('Q: q <answer>$5</answer>');
    const root = tmpDir('evolmm-sft-');
    const bad = path.join(root, 'bad.jsonl');
    fs.writeFileSync(bad, '{"image":"a.png","question":"q","answer":"1"}\n{"image":"b.png","question":"q"}\n');
    expect(() => readSftManifest(bad)).toThrow(/bad\.jsonl:2: expected \{"image"/);
    const { policy } = recording();
    const res = await sft({ policy, data: [{ image: 'x.png', question: 'q', answer: 'yes' }], out: path.join(root, 'r'), epochs: 5, maxSteps: 3 });
    expect(res.steps).toBe(3);
    expect(policy.calls).toHaveLength(3);
  });
});

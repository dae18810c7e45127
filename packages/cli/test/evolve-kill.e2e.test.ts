import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticDataset } from '@evolmm/bench';
import { createCheckpoint } from '@evolmm/qwen-vl';

// Issue 6 on a real tiny checkpoint (tfjs backend), through the real binary: a seeded run killed with SIGKILL
// mid-run and resumed writes the same event log, line for line, as an uninterrupted run.
const BIN = path.resolve(import.meta.dirname, '../dist/bin.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evolmm-kill-'));
const model = path.join(dir, 'tiny');
const images = path.join(dir, 'charts');

function run(out: string, extra: string[] = []) {
  const args = [BIN, 'evolve', '--model', `tfjs:${model}`, '--images', path.join(images, 'manifest.jsonl'), '--out', out, '-n', '3', '--max-new-tokens', '8', '--iterations', '6', '--checkpoint-every', '2', '--lr', '1e-3', '--seed', '11', ...extra];
  return spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

function finished(child: ReturnType<typeof run>): Promise<number> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : 0))));
}

const comparable = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.type === 'iteration')
    .map((e) => JSON.stringify({ ...e, time: null, timings: null }));

describe('evolve survives SIGKILL on a tiny tfjs checkpoint', () => {
  beforeAll(async () => {
    await createCheckpoint(model, { preset: 'tiny', seed: 5 });
    await writeSyntheticDataset(images, { count: 6, seed: 2 });
  }, 120_000);

  it('resumes to the same log as an uninterrupted run', async () => {
    const ref = path.join(dir, 'ref');
    expect(await finished(run(ref))).toBe(0);

    const killed = path.join(dir, 'killed');
    const child = run(killed);
    // Kill after the first checkpoint exists and the run has moved past it.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const events = path.join(killed, 'events.jsonl');
        const lines = fs.existsSync(events) ? fs.readFileSync(events, 'utf8').split('\n').filter(Boolean).length : 0;
        if (fs.existsSync(path.join(killed, 'checkpoints', 'step_00002', 'SAVE_OK')) && lines >= 4) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(timer);
        reject(new Error('the run finished before it could be killed'));
      });
    });
    await finished(child);
    const partial = comparable(path.join(killed, 'events.jsonl')).length;
    expect(partial).toBeLessThan(6);
    // Every checkpoint left behind is complete.
    for (const d of fs.readdirSync(path.join(killed, 'checkpoints')).filter((n) => n.startsWith('step_') && !n.includes('.'))) {
      expect(fs.existsSync(path.join(killed, 'checkpoints', d, 'SAVE_OK'))).toBe(true);
    }
    expect(await finished(run(killed, ['--resume']))).toBe(0);
    expect(comparable(path.join(killed, 'events.jsonl'))).toEqual(comparable(path.join(ref, 'events.jsonl')));
  }, 600_000);
});

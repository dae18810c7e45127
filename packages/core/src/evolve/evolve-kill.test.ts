import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { SAVE_OK } from './checkpoint.js';
import { KILL_RUN_ITERATIONS, runKillScenario } from './__fixtures__/kill-run.js';
import { makeImageDir, readLines, tmpDir } from './__fixtures__/run-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

function countLines(file: string): number {
  if (!fs.existsSync(file)) return 0;
  return fs.readFileSync(file, 'utf8').split('\n').length - 1;
}

/** Every `step_<digits>` folder is complete: SAVE_OK, trainer state and both policy files present. */
function assertCheckpointsComplete(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let n = 0;
  for (const name of fs.readdirSync(dir)) {
    if (!/^step_\d+$/.test(name)) continue;
    n++;
    const ck = path.join(dir, name);
    expect(fs.existsSync(path.join(ck, SAVE_OK)), `${name} has SAVE_OK`).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(ck, 'trainer_state.json'), 'utf8')).step).toBe(Number(name.slice(5)));
    expect(fs.existsSync(path.join(ck, 'policy/weights.json'))).toBe(true);
    expect(fs.existsSync(path.join(ck, 'policy/rng.json'))).toBe(true);
  }
  return n;
}

/** Starts the child; kills it with SIGKILL once `when()` holds (polled every 2 ms), or lets it finish. */
function runChild(script: string, args: string[], when?: () => boolean): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    let killed = false;
    const timer = when
      ? setInterval(() => {
          if (!killed && when()) {
            killed = true;
            child.kill('SIGKILL');
          }
        }, 2)
      : undefined;
    child.on('error', reject);
    child.on('exit', (code) => {
      if (timer) clearInterval(timer);
      if (!killed && code !== 0) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve({ killed, code });
    });
  });
}

describe('evolve kill/resume', () => {
  it('SIGKILL at arbitrary moments, then --resume, reproduces the uninterrupted event log line for line', async () => {
    const root = tmpDir('evolmm-kill-');
    const images = makeImageDir(root, 7, ['broken.png']);
    const out = path.join(root, 'run');
    const script = path.join(root, 'child.mjs');
    await build({
      entryPoints: [path.join(here, '__fixtures__/evolve-child.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: script,
      logLevel: 'silent',
    });

    // The reference: uninterrupted, in this process, in the same folder (so even config.out matches).
    await runKillScenario({ out, images, resume: false });
    const reference = readLines(path.join(out, 'events.jsonl'));
    expect(reference).toHaveLength(KILL_RUN_ITERATIONS + 1);
    fs.rmSync(out, { recursive: true });

    const events = path.join(out, 'events.jsonl');
    const ckDir = path.join(out, 'checkpoints');
    const tmpExists = () => fs.existsSync(ckDir) && fs.readdirSync(ckDir).some((n) => n.endsWith('.tmp'));
    // 1: killed after some events; 2: killed while a checkpoint is being written; 3: killed later again.
    const kills: { mode: string; when: () => boolean }[] = [
      { mode: 'fresh', when: () => countLines(events) >= 9 },
      { mode: 'resume', when: () => countLines(events) >= 14 && tmpExists() },
      { mode: 'resume', when: () => countLines(events) >= 30 },
    ];
    let killedCount = 0;
    for (const k of kills) {
      const r = await runChild(script, [out, images, k.mode], k.when);
      if (r.killed) killedCount++;
      // Never a half-written checkpoint under its final name.
      expect(assertCheckpointsComplete(ckDir)).toBeLessThanOrEqual(2);
    }
    expect(killedCount).toBe(3);
    const done = await runChild(script, [out, images, 'resume']);
    expect(done.killed).toBe(false);
    assertCheckpointsComplete(ckDir);
    expect(readLines(events)).toEqual(reference);
    expect(fs.readdirSync(ckDir).sort()).toEqual(['step_00039', 'step_00040']);
  }, 120_000);
});

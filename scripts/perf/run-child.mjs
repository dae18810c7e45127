// Runs one measurement in a child process (its own peak RSS) and returns the parsed result with the 1-minute load
// average before and after — another job on the machine shows up there (docs/performance.md).
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CACHE, ROOT } from './cache.mjs';

export function runChild(cmd, argv, { timeoutS = 900, cwd = ROOT } = {}) {
  const loadBefore = loadavg()[0];
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallS = (performance.now() - t0) / 1000;
      const load = [loadBefore, loadavg()[0]];
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(last);
        resolve({ ok: true, ...parsed, load, wallS });
      } catch {
        const why = signal === 'SIGKILL' ? `timed out after ${timeoutS} s` : `exit ${code}: ${(stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ') || last).slice(0, 300)}`;
        resolve({ ok: false, error: why, load, wallS });
      }
    });
  });
}

/** A node worker task (scripts/perf/worker.mjs). */
export function worker(task, args = {}, opts) {
  return runChild(process.execPath, [join(ROOT, 'scripts', 'perf', 'worker.mjs'), task, JSON.stringify(args)], opts);
}

/** A PyTorch reference measurement (scripts/perf/torch_ref.py); its JSON carries its own peakRss. */
export async function torchRef(what, preset, python, opts) {
  // dims from the very checkpoint the TypeScript backends measure
  const config = join(CACHE, `hf-${preset}`, 'config.json');
  const r = await runChild(python, [join(ROOT, 'scripts', 'perf', 'torch_ref.py'), what, '--preset', preset, '--config', config, '--threads', '2'], opts);
  return r.ok ? { ok: true, result: r, peakRss: r.peakRss, load: r.load, wallS: r.wallS } : r;
}

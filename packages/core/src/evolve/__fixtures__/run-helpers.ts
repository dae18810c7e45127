import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temp folder. */
export function tmpDir(prefix = 'evolmm-evolve-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A folder of `count` dummy image files (the fake policy never decodes them); names listed in `broken` too. */
export function makeImageDir(root: string, count: number, broken: readonly string[] = []): string {
  const dir = path.join(root, 'images');
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `img_${String(i).padStart(3, '0')}.png`), 'x');
  for (const b of broken) fs.writeFileSync(path.join(dir, b), 'x');
  return dir;
}

/** An event without its wall-clock fields (`time`, `timings`), for line-by-line comparison of runs. */
export function withoutTimings(event: unknown): unknown {
  return JSON.parse(JSON.stringify(event), (k, v) => (k === 'time' || k === 'timings' ? undefined : v));
}

export function readLines(file: string): unknown[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => withoutTimings(JSON.parse(l)));
}

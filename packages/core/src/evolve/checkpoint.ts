import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir, writeFileAtomic } from '../atomic-write.js';
import { EvolmmError } from '../errors.js';

/**
 * Crash-safe checkpoint folders (docs/method.md §6.6, §9 D6): `<root>/step_NNNNN/` is written as
 * `step_NNNNN.tmp/`, completed with a SAVE_OK marker, then renamed atomically. Only folders named exactly
 * `step_<digits>` that contain SAVE_OK count as checkpoints; old ones are renamed to `*.deleting` before they are
 * removed, so a crash during pruning never leaves a half-deleted folder that looks complete.
 */
export const SAVE_OK = 'SAVE_OK';
const NAME = /^step_(\d+)$/;

export interface CheckpointRef {
  readonly dir: string;
  readonly step: number;
}

export function checkpointName(step: number): string {
  return `step_${String(step).padStart(5, '0')}`;
}

/** Complete checkpoints under `root`, oldest first. Incomplete, temporary and half-deleted folders are ignored. */
export function listCheckpoints(root: string): CheckpointRef[] {
  if (!fs.existsSync(root)) return [];
  const out: CheckpointRef[] = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const m = NAME.exec(entry.name);
    if (!m || !entry.isDirectory()) continue;
    const dir = path.join(root, entry.name);
    if (fs.existsSync(path.join(dir, SAVE_OK))) out.push({ dir, step: Number(m[1]) });
  }
  return out.sort((a, b) => a.step - b.step);
}

export function latestCheckpoint(root: string): CheckpointRef | undefined {
  const all = listCheckpoints(root);
  return all[all.length - 1];
}

/** Removes leftovers of interrupted saves and prunes (`*.tmp`, `*.deleting*`, step folders without SAVE_OK). */
export function removeStaleCheckpoints(root: string): void {
  if (!fs.existsSync(root)) return;
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    const stale =
      entry.name.endsWith('.tmp') ||
      entry.name.includes('.deleting') ||
      (NAME.test(entry.name) && !fs.existsSync(path.join(full, SAVE_OK)));
    if (stale) fs.rmSync(full, { recursive: true, force: true });
  }
}

function removeAtomically(dir: string): void {
  const doomed = `${dir}.deleting-${process.pid}`;
  fs.renameSync(dir, doomed);
  fsyncDir(path.dirname(dir));
  fs.rmSync(doomed, { recursive: true, force: true });
}

/**
 * Writes checkpoint `step` under `root`: `write(tmpDir)` fills the folder, then SAVE_OK, then the atomic rename;
 * finally keeps only the newest `keep` complete checkpoints (older ones are deleted only after the new one is
 * complete). Returns the final folder.
 */
export async function writeCheckpoint(
  root: string,
  step: number,
  write: (dir: string) => Promise<void>,
  options: { keep: number },
): Promise<string> {
  fs.mkdirSync(root, { recursive: true });
  const finalDir = path.join(root, checkpointName(step));
  const tmp = `${finalDir}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    await write(tmp);
  } catch (cause) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new EvolmmError('CHECKPOINT', `could not write checkpoint ${finalDir}: ${(cause as Error).message}`, { cause });
  }
  writeFileAtomic(path.join(tmp, SAVE_OK), JSON.stringify({ step, time: new Date().toISOString() }) + '\n');
  fsyncDir(tmp);
  if (fs.existsSync(finalDir)) removeAtomically(finalDir);
  fs.renameSync(tmp, finalDir);
  fsyncDir(root);
  const complete = listCheckpoints(root);
  for (const old of complete.slice(0, Math.max(0, complete.length - options.keep))) removeAtomically(old.dir);
  return finalDir;
}

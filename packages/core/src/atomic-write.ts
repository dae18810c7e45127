import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from './errors.js';

/**
 * Writes a file so that readers see either the old content or the new one, never a mix: write a temp file
 * beside the target, fsync it, rename it over the target, fsync the folder. A crash at any moment leaves at
 * most a stray `*.tmp-*` file.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (cause) {
    fs.rmSync(tmp, { force: true });
    throw new EvolmmError('IO', `could not write ${file}: ${(cause as Error).message}`, { cause });
  }
  fsyncDir(dir);
}

/** JSON with a trailing newline, written atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Makes a rename inside `dir` durable. Some file systems refuse to open folders; that is not an error. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort (e.g. not permitted on this platform)
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

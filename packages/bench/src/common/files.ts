/** Small file helpers shared by the loaders; every failure says what was expected and what was found. */
import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from '@evolmm/core';

/** A short listing of a folder for error messages ("a.json, b.png, … (12 entries)"). */
export function describeFolder(dir: string): string {
  try {
    const names = fs.readdirSync(dir).sort();
    if (names.length === 0) return 'it is empty';
    const shown = names.slice(0, 8).join(', ');
    return `it holds ${shown}${names.length > 8 ? `, … (${names.length} entries)` : ''}`;
  } catch {
    return fs.existsSync(dir) ? 'it is not a readable folder' : 'it does not exist';
  }
}

export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new EvolmmError('NOT_FOUND', `${what}: cannot read ${file} (${(cause as Error).message})`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new EvolmmError('IO', `${what}: ${file} is not valid JSON (${(cause as Error).message})`, { cause });
  }
}

/** Every non-blank line of a JSONL file, parsed; a bad line is named. */
export function readJsonlFile<T>(file: string, what: string): T[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new EvolmmError('NOT_FOUND', `${what}: cannot read ${file} (${(cause as Error).message})`, { cause });
  }
  const out: T[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    try {
      out.push(JSON.parse(lines[i]) as T);
    } catch (cause) {
      throw new EvolmmError('IO', `${what}: ${file}:${i + 1} is not valid JSON (${(cause as Error).message})`, { cause });
    }
  }
  return out;
}

/** The first existing path among the candidates, or undefined. */
export function firstExisting(candidates: readonly string[]): string | undefined {
  return candidates.find((c) => fs.existsSync(c));
}

/** Throws NOT_FOUND for a missing data folder with a listing of its parent. */
export function requireFolder(dir: string | undefined, what: string, hint: string): string {
  if (dir === undefined || dir === '') {
    throw new EvolmmError('INVALID_ARGUMENT', `${what}: no data folder given; pass dataDir (${hint})`);
  }
  if (!fs.existsSync(dir)) {
    const parent = path.dirname(path.resolve(dir));
    throw new EvolmmError('NOT_FOUND', `${what}: data location ${dir} does not exist (${hint}); in ${parent} ${describeFolder(parent)}`);
  }
  return dir;
}

import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from '../errors.js';
import type { ImageInput } from '../spec/model.js';

/** One labeled example: an image, a question about it, and its answer. */
export interface SftRecord {
  readonly image: ImageInput;
  readonly question: string;
  readonly answer: string;
}

/**
 * Reads a JSONL manifest of `{"image": "path", "question": "...", "answer": "..."}` lines (numbers accepted as
 * answers); relative image paths resolve against the manifest's folder. Errors name the line.
 */
export function readSftManifest(file: string): SftRecord[] {
  if (!fs.existsSync(file)) throw new EvolmmError('NOT_FOUND', `SFT manifest ${file} does not exist`);
  const base = path.dirname(file);
  const out: SftRecord[] = [];
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${file}:${i + 1}`;
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(line) as Record<string, unknown>;
      } catch (cause) {
        throw new EvolmmError('INVALID_CONFIG', `${where} is not valid JSON: ${(cause as Error).message}`, { cause });
      }
      const answer = typeof r?.answer === 'number' ? String(r.answer) : r?.answer;
      if (!r || typeof r.image !== 'string' || typeof r.question !== 'string' || typeof answer !== 'string') {
        throw new EvolmmError(
          'INVALID_CONFIG',
          `${where}: expected {"image": "path", "question": "...", "answer": "..."}, found ${line.slice(0, 100)}`,
        );
      }
      out.push({ image: path.isAbsolute(r.image) ? r.image : path.join(base, r.image), question: r.question, answer });
    });
  if (out.length === 0) throw new EvolmmError('NOT_FOUND', `SFT manifest ${file} has no records`);
  return out;
}

/** Fills `{answer}` and `{question}` in a target template (default `<answer>{answer}</answer>`). */
export function renderTarget(template: string, record: Pick<SftRecord, 'question' | 'answer'>): string {
  return template.replace(/\{(answer|question)\}/g, (_, k: 'answer' | 'question') => record[k]);
}

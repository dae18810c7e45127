/**
 * MATH-V loaders (docs/benchmarks.md §2): the official `data/test.jsonl` / `testmini.jsonl` with an image folder,
 * or the Hugging Face parquet release (MathLLMs/MathVision: `decoded_image` struct, `level` int64).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError, throwIfAborted, type ImageInput } from '@evolmm/core';
import { describeFolder, firstExisting, readJsonlFile, requireFolder } from '../common/files.js';
import { findParquetFiles, imageBytesOf, readParquetRows } from '../common/parquet.js';
import type { MathVisionProblem } from './types.js';

export interface MathVisionItem extends Omit<MathVisionProblem, 'image'> {
  readonly image: ImageInput;
}

export interface MathVisionLoadOptions {
  /** The official `data/` folder (test.jsonl, testmini.jsonl), the repository root, or parquet shards. */
  readonly dataDir?: string;
  /** `'test'` (default, 3040; what EvoLMM reports) or `'testmini'` (304). */
  readonly split?: string;
  /** Images for the JSONL layout; default `<dataDir>/images` or `<dataDir>/../images` (the field is `images/<id>.jpg`). */
  readonly imageDir?: string;
  readonly missingImages?: 'error' | 'skip';
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

const HINT = "expected the official MATH-V 'data' folder (test.jsonl, testmini.jsonl) or MathLLMs/MathVision *.parquet shards";

/** Reads the problems of an official JSONL file (ids as strings, levels as numbers). */
export function readMathVisionProblems(file: string): MathVisionProblem[] {
  return readJsonlFile<MathVisionProblem>(file, 'MATH-V').map((p) => ({ ...p, id: String(p.id), level: Number(p.level), options: p.options ?? [] }));
}

export async function* loadMathVision(options: MathVisionLoadOptions): AsyncIterable<MathVisionItem> {
  const given = requireFolder(options.dataDir, 'MATH-V', HINT);
  const split = options.split ?? 'test';
  const isDir = fs.statSync(given).isDirectory();
  const jsonl = isDir ? firstExisting([path.join(given, `${split}.jsonl`), path.join(given, 'data', `${split}.jsonl`)]) : given.endsWith('.jsonl') ? given : undefined;
  let problems: (Omit<MathVisionItem, 'image'> & { image?: ImageInput })[];
  let imageDir: string | undefined;
  if (jsonl) {
    problems = readMathVisionProblems(jsonl);
    const base = path.dirname(jsonl);
    imageDir = options.imageDir ?? firstExisting([path.join(base, 'images'), path.join(base, '..', 'images')]) ?? path.join(base, 'images');
  } else {
    let files = findParquetFiles(given, split);
    if (files.length === 0 && !isDir) files = findParquetFiles(given);
    if (files.length === 0) {
      throw new EvolmmError('NOT_FOUND', `MATH-V: no ${split} data in ${given}; ${HINT}. ${isDir ? `In ${given} ${describeFolder(given)}` : ''}`.trim());
    }
    problems = [];
    for (const f of files) {
      for (const r of await readParquetRows(f)) {
        problems.push({
          id: String(r.id),
          question: String(r.question ?? ''),
          options: Array.isArray(r.options) ? r.options.map(String) : [],
          answer: String(r.answer ?? ''),
          solution: typeof r.solution === 'string' ? r.solution : null,
          level: Number(r.level),
          subject: String(r.subject ?? ''),
          image: imageBytesOf(r.decoded_image),
        });
      }
    }
  }
  let emitted = 0;
  for (const p of problems) {
    throwIfAborted(options.signal, 'loading MATH-V');
    if (options.limit !== undefined && emitted >= options.limit) return;
    let image: ImageInput | undefined = p.image !== undefined && typeof p.image !== 'string' ? p.image : undefined;
    if (image === undefined) {
      if (!imageDir) {
        if (options.missingImages === 'skip') continue;
        throw new EvolmmError('NOT_FOUND', `MATH-V: the parquet row of id ${p.id} has no decoded_image bytes; expected a struct {bytes, path}, or pass missingImages: 'skip'`);
      }
      const rel = typeof p.image === 'string' ? p.image : `images/${p.id}.jpg`;
      const file = path.join(imageDir, path.basename(rel));
      if (!fs.existsSync(file)) {
        if (options.missingImages === 'skip') continue;
        throw new EvolmmError(
          'NOT_FOUND',
          `MATH-V image for id ${p.id} not found: expected ${file}; in ${imageDir} ${describeFolder(imageDir)}. ` +
            "Pass imageDir (the repository's images/ folder, or images_testmini/ of benchdata for testmini), or missingImages: 'skip'",
          { details: { expected: file } },
        );
      }
      image = file;
    }
    emitted++;
    yield { ...p, image } as MathVisionItem;
  }
}

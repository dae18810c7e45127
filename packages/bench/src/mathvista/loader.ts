/**
 * MathVista loaders (docs/benchmarks.md §2): the official `data/testmini.json` (+ `query.json`) with an image folder,
 * or the Hugging Face parquet release (AI4Math/MathVista: `decoded_image` struct, `precision` float64, `query`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError, throwIfAborted, type ImageInput } from '@evolmm/core';
import { describeFolder, firstExisting, readJsonFile, requireFolder } from '../common/files.js';
import { findParquetFiles, imageBytesOf, readParquetRows } from '../common/parquet.js';
import type { MathVistaProblem } from './types.js';

export interface MathVistaItem extends Omit<MathVistaProblem, 'image'> {
  readonly image: ImageInput;
}

export interface MathVistaLoadOptions {
  /** The official `data/` folder (testmini.json, query.json, images/) or a folder/file of parquet shards. */
  readonly dataDir?: string;
  /** `'testmini'` (default; the only split with public answers) or `'test'`. */
  readonly split?: string;
  /** Images for the JSON layout; default `<dataDir>/images` (the `image` field is `images/<pid>.jpg`). */
  readonly imageDir?: string;
  readonly missingImages?: 'error' | 'skip';
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

const HINT = "expected the official MathVista 'data' folder (testmini.json, query.json, images/) or AI4Math/MathVista *.parquet shards";

function fromParquetRow(r: Record<string, unknown>): Omit<MathVistaItem, 'image'> & { image?: ImageInput } {
  const precision = r.precision === null || r.precision === undefined || Number.isNaN(Number(r.precision)) ? null : Number(r.precision);
  return {
    pid: String(r.pid),
    question: String(r.question ?? ''),
    choices: Array.isArray(r.choices) ? r.choices.map(String) : null,
    unit: typeof r.unit === 'string' ? r.unit : null,
    // float64 in the HF release; the official int() is applied here (docs/benchmarks.md §5, lmms-eval pitfall).
    precision: precision === null ? null : Math.trunc(precision),
    answer: r.answer === null || r.answer === undefined ? undefined : String(r.answer),
    question_type: r.question_type === 'multi_choice' ? 'multi_choice' : 'free_form',
    answer_type: (r.answer_type as MathVistaProblem['answer_type']) ?? 'text',
    metadata: (r.metadata ?? {}) as MathVistaProblem['metadata'],
    query: typeof r.query === 'string' ? r.query : undefined,
    image: imageBytesOf(r.decoded_image),
  };
}

export async function* loadMathVista(options: MathVistaLoadOptions): AsyncIterable<MathVistaItem> {
  const given = requireFolder(options.dataDir, 'MathVista', HINT);
  const split = options.split ?? 'testmini';
  const isDir = fs.statSync(given).isDirectory();
  const dir = isDir && !fs.existsSync(path.join(given, `${split}.json`)) && fs.existsSync(path.join(given, 'data', `${split}.json`)) ? path.join(given, 'data') : given;
  const jsonFile = isDir ? path.join(dir, `${split}.json`) : given.endsWith('.json') ? given : undefined;
  let problems: (Omit<MathVistaItem, 'image'> & { image?: ImageInput })[];
  let imageDir: string | undefined;
  if (jsonFile && fs.existsSync(jsonFile)) {
    const base = path.dirname(jsonFile);
    const content = readJsonFile(jsonFile, 'MathVista');
    if (content === null || typeof content !== 'object' || Array.isArray(content)) {
      throw new EvolmmError('IO', `MathVista: ${jsonFile} should map pid → problem (the official ${split}.json)`);
    }
    const queryFile = path.join(base, 'query.json');
    const queries = fs.existsSync(queryFile) ? (readJsonFile(queryFile, 'MathVista') as Record<string, string>) : {};
    problems = Object.values(content as Record<string, MathVistaProblem>).map((p) => ({ ...p, pid: String(p.pid), query: p.query ?? queries[String(p.pid)] }));
    imageDir = options.imageDir ?? firstExisting([path.join(base, 'images'), path.join(base, '..', 'images')]) ?? path.join(base, 'images');
  } else {
    let files = findParquetFiles(given, split);
    if (files.length === 0 && !isDir) files = findParquetFiles(given);
    if (files.length === 0) {
      throw new EvolmmError('NOT_FOUND', `MathVista: no ${split} data in ${given}; ${HINT}. ${isDir ? `In ${given} ${describeFolder(given)}` : ''}`.trim());
    }
    problems = [];
    for (const f of files) for (const r of await readParquetRows(f)) problems.push(fromParquetRow(r));
  }
  let emitted = 0;
  for (const p of problems) {
    throwIfAborted(options.signal, 'loading MathVista');
    if (options.limit !== undefined && emitted >= options.limit) return;
    let image: ImageInput | undefined = p.image !== undefined && typeof p.image !== 'string' ? p.image : undefined;
    if (image === undefined) {
      const rel = typeof p.image === 'string' ? p.image : `images/${p.pid}.jpg`;
      const file = imageDir ? path.join(imageDir, path.basename(rel)) : rel;
      if (!imageDir || !fs.existsSync(file)) {
        if (options.missingImages === 'skip') continue;
        if (!imageDir) {
          throw new EvolmmError('NOT_FOUND', `MathVista: the parquet row of pid ${p.pid} has no decoded_image bytes; expected a struct {bytes, path} with the image, or pass missingImages: 'skip'`);
        }
        throw new EvolmmError(
          'NOT_FOUND',
          `MathVista image for pid ${p.pid} not found: expected ${file}${imageDir ? `; in ${imageDir} ${describeFolder(imageDir)}` : ''}. ` +
            "The images are only in the Hugging Face release: unzip its images.zip into <dataDir>/images (or pass imageDir), read the parquet release instead, or pass missingImages: 'skip'",
          { details: { expected: file } },
        );
      }
      image = file;
    }
    emitted++;
    yield { ...p, image } as MathVistaItem;
  }
}

/**
 * ChartQA test loaders (docs/benchmarks.md §2): the official `test_human.json` + `test_augmented.json` with their
 * `png/` folder, the lmms-eval-style `chartqa_test_combined.jsonl`, and the Hugging Face parquet releases
 * (HuggingFaceM4/ChartQA: `image, query, label[], human_or_machine`; lmms-lab/ChartQA: `type, question, answer, image`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError, throwIfAborted } from '@evolmm/core';
import { describeFolder, firstExisting, readJsonFile, readJsonlFile, requireFolder } from '../common/files.js';
import { findParquetFiles, imageBytesOf, readParquetRows } from '../common/parquet.js';
import type { ChartQAItem } from './types.js';

export interface ChartQALoadOptions {
  /**
   * The official `ChartQA Dataset/test` folder (or the dataset root holding `test/`), a folder with
   * `chartqa_test_combined.jsonl`, or a folder / file of Hugging Face parquet shards.
   */
  readonly dataDir?: string;
  /** Chart images for the JSON/JSONL layouts; default `<dataDir>/png`. */
  readonly imageDir?: string;
  /** Which sets to load; default both, human first. */
  readonly sets?: readonly ('human' | 'augmented')[];
  /** `'error'` (default) stops at the first missing image; `'skip'` leaves such items out (e.g. the 50 sample charts). */
  readonly missingImages?: 'error' | 'skip';
  /** Split of parquet releases; default `'test'`. */
  readonly split?: string;
  readonly limit?: number;
  readonly signal?: AbortSignal;
}

const HINT = "expected test_human.json + test_augmented.json (official 'ChartQA Dataset/test'), chartqa_test_combined.jsonl, or *.parquet shards";

interface RawRow {
  type: 'human_test' | 'augmented_test';
  imgname?: string;
  question: string;
  answer: string;
  image?: Uint8Array;
}

function officialRows(dir: string, sets: readonly ('human' | 'augmented')[]): RawRow[] | undefined {
  const human = path.join(dir, 'test_human.json');
  const augmented = path.join(dir, 'test_augmented.json');
  if (!fs.existsSync(human) && !fs.existsSync(augmented)) return undefined;
  const rows: RawRow[] = [];
  // The human file is always read (augmented ids count after its 1250 items); the augmented one only when asked for.
  for (const set of sets.includes('augmented') ? (['human', 'augmented'] as const) : (['human'] as const)) {
    const file = set === 'human' ? human : augmented;
    if (!fs.existsSync(file)) {
      throw new EvolmmError('NOT_FOUND', `ChartQA: ${file} is missing next to its sibling; ${HINT}. In ${dir} ${describeFolder(dir)}`);
    }
    const list = readJsonFile(file, 'ChartQA');
    if (!Array.isArray(list)) throw new EvolmmError('IO', `ChartQA: ${file} should hold a JSON list of {imgname, query, label}`);
    // Indices count over both sets, human first, whatever `sets` selects (so ids stay stable).
    for (const r of list as { imgname: string; query: string; label: unknown }[]) {
      rows.push({ type: set === 'human' ? 'human_test' : 'augmented_test', imgname: r.imgname, question: r.query, answer: String(r.label) });
    }
  }
  return rows;
}

function combinedRows(dir: string): RawRow[] | undefined {
  const file = fs.statSync(dir).isFile() && dir.endsWith('.jsonl') ? dir : path.join(dir, 'chartqa_test_combined.jsonl');
  if (!fs.existsSync(file)) return undefined;
  return readJsonlFile<{ type: RawRow['type']; imgname: string; question: string; answer: unknown }>(file, 'ChartQA').map((r) => ({
    type: r.type,
    imgname: r.imgname,
    question: r.question,
    answer: String(r.answer),
  }));
}

async function parquetRows(location: string, split: string): Promise<RawRow[] | undefined> {
  let files = findParquetFiles(location, split);
  if (files.length === 0) files = findParquetFiles(location);
  if (files.length === 0) return undefined;
  const rows: RawRow[] = [];
  for (const file of files) {
    for (const r of await readParquetRows(file)) {
      const image = imageBytesOf(r.image);
      if ('query' in r) {
        // HuggingFaceM4/ChartQA: label is list<string>; human_or_machine 0 = human.
        const label = Array.isArray(r.label) ? r.label[0] : r.label;
        rows.push({ type: Number(r.human_or_machine) === 0 ? 'human_test' : 'augmented_test', question: String(r.query), answer: String(label), image });
      } else if ('question' in r) {
        rows.push({ type: r.type === 'human_test' ? 'human_test' : 'augmented_test', question: String(r.question), answer: String(r.answer), image });
      } else {
        throw new EvolmmError('INVALID_ARGUMENT', `ChartQA: ${file} has columns ${Object.keys(r).join(', ')}; expected image, query, label (HuggingFaceM4/ChartQA) or type, question, answer, image (lmms-lab/ChartQA)`);
      }
    }
  }
  // lmms-eval order: human first.
  return [...rows.filter((r) => r.type === 'human_test'), ...rows.filter((r) => r.type !== 'human_test')];
}

/** Loads ChartQA test items from any supported layout. */
export async function* loadChartQA(options: ChartQALoadOptions): AsyncIterable<ChartQAItem> {
  const given = requireFolder(options.dataDir, 'ChartQA', HINT);
  const isDir = fs.statSync(given).isDirectory();
  // Accept the dataset root ("ChartQA Dataset") as well as its test/ folder.
  const dir = isDir && !fs.existsSync(path.join(given, 'test_human.json')) && fs.existsSync(path.join(given, 'test', 'test_human.json')) ? path.join(given, 'test') : given;
  const rows = (isDir ? (officialRows(dir, options.sets ?? ['human', 'augmented']) ?? combinedRows(dir)) : combinedRows(dir)) ?? (await parquetRows(dir, options.split ?? 'test'));
  if (!rows) throw new EvolmmError('NOT_FOUND', `ChartQA: no test data in ${given}; ${HINT}. ${isDir ? `In ${given} ${describeFolder(given)}` : ''}`.trim());
  const sets = new Set(options.sets ?? ['human', 'augmented']);
  const imageDir = options.imageDir ?? firstExisting([path.join(isDir ? dir : path.dirname(dir), 'png'), path.join(isDir ? dir : path.dirname(dir), 'images')]) ?? path.join(isDir ? dir : path.dirname(dir), 'png');
  let emitted = 0;
  for (let i = 0; i < rows.length; i++) {
    throwIfAborted(options.signal, 'loading ChartQA');
    if (options.limit !== undefined && emitted >= options.limit) return;
    const r = rows[i];
    if (!sets.has(r.type === 'human_test' ? 'human' : 'augmented')) continue;
    let image: ChartQAItem['image'];
    if (r.image) image = r.image;
    else {
      const file = path.join(imageDir, r.imgname ?? '');
      if (!r.imgname || !fs.existsSync(file)) {
        if (options.missingImages === 'skip') continue;
        throw new EvolmmError(
          'NOT_FOUND',
          `ChartQA image for item ${i} not found: expected ${file}; in ${imageDir} ${describeFolder(imageDir)}. ` +
            "Point imageDir at the official 'ChartQA Dataset/test/png' folder, or pass missingImages: 'skip' to score only the items whose chart is present",
          { details: { expected: file, imageDir } },
        );
      }
      image = file;
    }
    emitted++;
    yield { id: String(i), type: r.type, imgname: r.imgname, question: r.question, answer: r.answer, image };
  }
}

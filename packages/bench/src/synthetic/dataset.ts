import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError, readJsonl, throwIfAborted, writeFileAtomic } from '@evolmm/core';
import type { AnswerType, ChartData, ChartKind, Difficulty, QuestionType, SyntheticChartItem } from './chart-types.js';
import { generateSyntheticCharts, type SyntheticChartOptions } from './generate.js';
import { renderChart } from './render.js';

/** One line of `manifest.jsonl`. `image` is relative to the folder that holds the manifest. */
export interface SyntheticManifestEntry {
  readonly id: string;
  readonly image: string;
  readonly question: string;
  readonly answer: string;
  readonly kind: ChartKind;
  readonly difficulty: Difficulty;
  readonly questionType: QuestionType;
  readonly answerType: AnswerType;
  readonly aliases: readonly string[];
  readonly width: number;
  readonly height: number;
  readonly data: ChartData;
}

export const MANIFEST_FILE = 'manifest.jsonl';

export interface WriteSyntheticDatasetOptions extends SyntheticChartOptions {
  readonly signal?: AbortSignal;
  /** Called after each image is written. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SyntheticDataset {
  readonly dir: string;
  /** Absolute path of manifest.jsonl. */
  readonly manifest: string;
  readonly items: readonly SyntheticChartItem[];
}

function manifestEntry(item: SyntheticChartItem): SyntheticManifestEntry {
  return {
    id: item.id,
    image: `images/${item.id}.png`,
    question: item.question,
    answer: item.answer,
    kind: item.kind,
    difficulty: item.difficulty,
    questionType: item.questionType,
    answerType: item.answerType,
    aliases: item.aliases,
    width: item.size.width,
    height: item.size.height,
    data: item.data,
  };
}

/**
 * Renders charts into `dir/images/<id>.png` and lists them in `dir/manifest.jsonl`
 * ({image, question, answer, id, kind, ...}). Every file is written atomically and the manifest last, so a
 * manifest only ever lists images that exist. The folder doubles as an unlabeled image source for `evolve`.
 */
export async function writeSyntheticDataset(dir: string, options: WriteSyntheticDatasetOptions): Promise<SyntheticDataset> {
  const items = generateSyntheticCharts(options);
  const root = path.resolve(dir);
  for (let i = 0; i < items.length; i++) {
    throwIfAborted(options.signal, 'writing the synthetic chart dataset');
    const entry = manifestEntry(items[i]);
    writeFileAtomic(path.join(root, entry.image), await renderChart(items[i]));
    options.onProgress?.(i + 1, items.length);
  }
  const manifest = path.join(root, MANIFEST_FILE);
  writeFileAtomic(manifest, items.map((it) => JSON.stringify(manifestEntry(it)) + '\n').join(''));
  return { dir: root, manifest, items };
}

const REQUIRED = ['id', 'image', 'question', 'answer', 'kind', 'questionType', 'answerType'] as const;

/** Reads a dataset written by writeSyntheticDataset; `image` paths come back absolute. */
export function readSyntheticDataset(dir: string): SyntheticManifestEntry[] {
  const root = path.resolve(dir);
  const manifest = path.join(root, MANIFEST_FILE);
  if (!fs.existsSync(manifest)) {
    throw new EvolmmError(
      'NOT_FOUND',
      `no ${MANIFEST_FILE} in ${root}; expected a folder written by writeSyntheticDataset (images/ and ${MANIFEST_FILE}); ` +
        'write one first or point at the right folder',
    );
  }
  return readJsonl<SyntheticManifestEntry>(manifest).map((e, i) => {
    for (const key of REQUIRED) {
      if (typeof e?.[key] !== 'string') {
        throw new EvolmmError('INVALID_CONFIG', `${manifest}:${i + 1} lacks the string field "${key}"; rewrite the dataset with writeSyntheticDataset`);
      }
    }
    return { ...e, aliases: e.aliases ?? [], image: path.resolve(root, e.image) };
  });
}

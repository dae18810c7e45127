/**
 * Reading the Hugging Face parquet releases (docs/benchmarks.md §2) with hyparquet. Image columns are structs
 * `{bytes, path}`; `path` is often null, so images are taken from the bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from '@evolmm/core';

/** All rows of one parquet file as plain objects (int64 → number, strings decoded). */
export async function readParquetRows(file: string, options: { rowEnd?: number } = {}): Promise<Record<string, unknown>[]> {
  let rows: Record<string, unknown>[];
  try {
    // Loaded on first use (~0.09 s at import); only the HF-parquet loaders need them.
    const [{ asyncBufferFromFile, parquetReadObjects }, { compressors }] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
    const buffer = await asyncBufferFromFile(file);
    // utf8: false keeps un-annotated BYTE_ARRAY (the image bytes) as bytes; STRING-annotated columns still decode.
    rows = (await parquetReadObjects({ file: buffer, compressors, rowEnd: options.rowEnd, utf8: false })) as Record<string, unknown>[];
  } catch (cause) {
    throw new EvolmmError('IO', `cannot read parquet file ${file}: ${(cause as Error).message}; expected a Hugging Face dataset shard (*.parquet)`, {
      cause,
    });
  }
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = plain(v);
    return out;
  });
}

/** bigint → number (levels, sizes), recursively through arrays and structs; bytes stay bytes. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/** The parquet files of a folder (recursively, sorted), or the file itself. */
export function findParquetFiles(location: string, split?: string): string[] {
  if (!fs.existsSync(location)) return [];
  if (fs.statSync(location).isFile()) return location.endsWith('.parquet') ? [location] : [];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.parquet')) out.push(p);
    }
  };
  walk(location);
  // HF layouts name shards by split: data/test-00000-of-00001.parquet or test/0000.parquet.
  if (split === undefined) return out;
  const bySplit = out.filter((f) => {
    const rel = path.relative(location, f);
    return rel.split(path.sep).some((part) => part === split || part.startsWith(`${split}-`) || part.startsWith(`${split}.`));
  });
  return bySplit;
}

/** The image bytes of an HF image cell (`{bytes, path}` struct, raw bytes, or null). */
export function imageBytesOf(cell: unknown): Uint8Array | undefined {
  if (cell instanceof Uint8Array) return cell.length > 0 ? cell : undefined;
  if (cell !== null && typeof cell === 'object' && 'bytes' in cell) {
    const bytes = (cell as { bytes: unknown }).bytes;
    if (bytes instanceof Uint8Array && bytes.length > 0) return bytes;
  }
  return undefined;
}

import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from '../errors.js';
import { createRng, permutation } from '../rng.js';

/**
 * Where the training images come from:
 * - a folder (walked as in docs/method.md §6.5), a `.jsonl` manifest, a glob (`imgs/**\/*.png`) or one image file;
 * - an explicit list of image paths;
 * - `{ dir, folders }`: a folder with a chosen list of first-level sub-folders;
 * - `{ manifest }`: a JSONL file with one `{"image": "path"}` per line (relative to the manifest's folder).
 */
export type ImageSource =
  | string
  | readonly string[]
  | { readonly dir: string; readonly folders?: readonly string[] }
  | { readonly manifest: string };

/** The image extensions the reference code trains on (docs/method.md §6.5), matched case-insensitively. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.tiff'];

const EXPECTED = `expected a folder of ${IMAGE_EXTENSIONS.join('/')} files, a glob, a list of paths or a .jsonl manifest`;

function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/** Every image file under `dir`, recursively; dot-files and dot-folders are skipped (§6.5). */
function walk(dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.isFile() && isImageFile(entry.name)) out.push(full);
  }
}

/**
 * docs/method.md §6.5: every first-level sub-folder (or the chosen `folders`) is walked recursively; when the root
 * has no sub-folders, the root itself is walked. Like the reference, files lying directly in a root that also has
 * sub-folders are not used.
 */
function walkImageFolder(dir: string, folders?: readonly string[]): string[] {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new EvolmmError('NOT_FOUND', `image folder ${dir} does not exist; ${EXPECTED}`);
  }
  const out: string[] = [];
  const subs =
    folders ??
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name);
  if (subs.length === 0) walk(dir, out);
  for (const sub of subs) {
    const full = path.join(dir, sub);
    if (!fs.existsSync(full) || !fs.statSync(full).isDirectory()) {
      throw new EvolmmError('NOT_FOUND', `image sub-folder ${full} (listed in folders) does not exist`);
    }
    walk(full, out);
  }
  return out;
}

/** Image paths of a manifest: one JSON object per line with an `image` (or `path`) field. */
export function readImageManifest(file: string): string[] {
  if (!fs.existsSync(file)) throw new EvolmmError('NOT_FOUND', `image manifest ${file} does not exist`);
  const base = path.dirname(file);
  const out: string[] = [];
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (cause) {
      throw new EvolmmError('INVALID_CONFIG', `${file}:${i + 1} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
    const r = rec as Record<string, unknown> | null;
    const p = typeof rec === 'string' ? rec : r && typeof r === 'object' ? (r.image ?? r.path) : undefined;
    if (typeof p !== 'string' || p === '') {
      throw new EvolmmError(
        'INVALID_CONFIG',
        `${file}:${i + 1} has no image path; expected a line like {"image": "charts/0001.png"}, found ${line.slice(0, 80)}`,
      );
    }
    out.push(path.isAbsolute(p) ? p : path.join(base, p));
  });
  return out;
}

/** Converts a glob (`*`, `?`, `**`) to a regex over '/'-separated relative paths. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // '**/' matches zero or more folders
        if (glob[i + 2] === '/') {
          re += '(?:[^/]*/)*';
          i += 2;
        } else {
          re += '.*';
          i += 1;
        }
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function expandGlob(pattern: string): string[] {
  const norm = pattern.split(path.sep).join('/');
  const parts = norm.split('/');
  const firstWild = parts.findIndex((p) => /[*?]/.test(p));
  const baseParts = parts.slice(0, firstWild);
  const base = baseParts.length === 0 ? '.' : baseParts.join('/') || '/';
  const rest = globToRegExp(parts.slice(firstWild).join('/'));
  if (!fs.existsSync(base)) return [];
  const all: string[] = [];
  walkAll(base, '', all);
  return all.filter((rel) => rest.test(rel) && isImageFile(rel)).map((rel) => (base === '.' ? rel : path.join(base, rel)));
}

function walkAll(root: string, rel: string, out: string[]): void {
  for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const r = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) walkAll(root, r, out);
    else if (entry.isFile()) out.push(r);
  }
}

/** Code-unit order, like Python's sorted() on these ASCII-ish paths (docs/method.md §6.1: `paths` is sorted). */
function sorted(paths: string[]): string[] {
  return [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The sorted list of image paths an image source names (docs/method.md §6.1). Loading the images is the policy's
 * business; this only lists them. Throws NOT_FOUND when the source yields no image.
 */
export function resolveImageSource(source: ImageSource): string[] {
  let paths: string[];
  let where: string;
  if (typeof source === 'string') {
    where = source;
    if (/[*?]/.test(source)) paths = expandGlob(source);
    else if (source.toLowerCase().endsWith('.jsonl')) paths = readImageManifest(source);
    else if (fs.existsSync(source) && fs.statSync(source).isFile()) {
      if (!isImageFile(source)) throw new EvolmmError('INVALID_ARGUMENT', `${source} is not an image file; ${EXPECTED}`);
      paths = [source];
    } else paths = walkImageFolder(source);
  } else if (Array.isArray(source)) {
    where = 'the given list';
    paths = source.map(String);
  } else if ('manifest' in source) {
    where = source.manifest;
    paths = readImageManifest(source.manifest);
  } else if ('dir' in source) {
    where = source.dir;
    paths = walkImageFolder(source.dir, source.folders);
  } else {
    throw new EvolmmError('INVALID_ARGUMENT', `unsupported image source ${JSON.stringify(source)}; ${EXPECTED}`);
  }
  if (paths.length === 0) throw new EvolmmError('NOT_FOUND', `no images found in ${where}; ${EXPECTED}`);
  return sorted(paths);
}

/**
 * The visiting order of docs/method.md §6.1: a Fisher–Yates permutation of 0..count−1 drawn from createRng(seed).
 * Iteration t (1-based, no failed loads) uses `paths[order[(t − 1) mod count]]`.
 */
export function imageOrder(count: number, seed: number): number[] {
  return permutation(count, createRng(seed));
}

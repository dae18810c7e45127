import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatMessage, RawImage } from '@evolmm/core';
import { createCheckpoint, type CheckpointOptions, type PreparedInput, type QwenVariant } from '@evolmm/qwen-vl';
import { exportOnnx, type ExportOnnxOptions } from '../export-onnx.js';

export const VARIANTS: QwenVariant[] = ['qwen2.5-vl', 'qwen2-vl'];

/** A scratch folder removed by the returned cleanup. */
export function scratch(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `evolmm-onnx-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Tiny HF checkpoint (qwen-vl factory) exported to ONNX under `root`. */
export async function tinyExport(
  root: string,
  variant: QwenVariant,
  opts: { checkpoint?: CheckpointOptions; export?: ExportOnnxOptions; name?: string } = {},
): Promise<{ hf: string; out: string }> {
  const name = opts.name ?? variant;
  const hf = join(root, `hf-${name}`);
  const out = join(root, `onnx-${name}`);
  await createCheckpoint(hf, { variant, ...opts.checkpoint });
  await exportOnnx(hf, out, opts.export);
  return { hf, out };
}

/** A deterministic RGB test image; sides multiples of 28 so no resizing happens anywhere (docs/runtime.md §3.6). */
export function testImage(width = 84, height = 56, salt = 37): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * salt + ((i / 3) | 0) * 11) % 251;
  return { width, height, channels: 3, data };
}

export function imagePrompt(image: RawImage = testImage(), text = 'What is in this picture?'): ChatMessage[] {
  return [{ role: 'user', content: [{ type: 'image', image }, { type: 'text', text }] }];
}

export const TEXT_PROMPT: ChatMessage[] = [{ role: 'user', content: 'Hello there, how are you today?' }];

/** `prepared` followed by `extra` text tokens at positions i + ropeDelta (docs/runtime.md §3.4). */
export function extendPrepared(prepared: PreparedInput, extra: readonly number[]): PreparedInput {
  const L = prepared.inputIds.length;
  const ids = new Int32Array(L + extra.length);
  ids.set(prepared.inputIds);
  ids.set(extra, L);
  const rows = prepared.positionIds.map((row) => {
    const r = new Int32Array(L + extra.length);
    r.set(row);
    for (let j = 0; j < extra.length; j++) r[L + j] = L + j + prepared.ropeDelta;
    return r;
  }) as [Int32Array, Int32Array, Int32Array];
  return { ...prepared, inputIds: ids, positionIds: rows };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export const quiet = { device: 'cpu' as const, log: () => {} };

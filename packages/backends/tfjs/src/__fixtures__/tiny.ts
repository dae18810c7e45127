import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll } from 'vitest';
import { createRng, type ChatMessage, type RawImage } from '@evolmm/core';
import type { TfjsQwenModel } from '../model.js';
import { createCheckpoint, type PreparedInput, type QwenVariant } from '@evolmm/qwen-vl';

const made: string[] = [];
// Registered in the root suite of every test file that imports this module.
afterAll(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A temp folder removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A fresh tiny checkpoint of `variant` in a temp folder (the qwen-vl factory; seconds to build). */
export async function tinyCheckpoint(variant: QwenVariant, opts: { seed?: number } = {}): Promise<string> {
  const dir = tempDir(`evolmm-tfjs-${variant}-`);
  await createCheckpoint(dir, { variant, preset: 'tiny', seed: opts.seed ?? 0 });
  return dir;
}

/**
 * A deterministic RGB test image. 168×224 px (multiples of 28, so no resizing) gives a 12×16 patch grid: 48 merged
 * tokens in 2×2 windows of Qwen2.5-VL's 4×4-token window attention, one of them partial.
 */
export function testImage(width = 224, height = 168): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = (x * 7 + y * 3) & 255;
      data[o + 1] = (x * y) & 255;
      data[o + 2] = ((x >> 3) ^ (y >> 3)) * 40 & 255;
    }
  }
  return { width, height, channels: 3, data };
}

export function imageMessages(text = 'What is in the picture?'): ChatMessage[] {
  return [{ role: 'user', content: [{ type: 'image', image: testImage() }, { type: 'text', text }] }];
}

export function textMessages(text = 'hello world, how are you?'): ChatMessage[] {
  return [{ role: 'user', content: text }];
}

/** The prepared prompt followed by `extra` tokens (decode positions: index + ropeDelta on all three rows). */
export function extend(prepared: PreparedInput, extra: readonly number[]): PreparedInput {
  const P = prepared.inputIds.length;
  const ids = new Int32Array(P + extra.length);
  ids.set(prepared.inputIds);
  ids.set(extra, P);
  const rows = prepared.positionIds.map((r) => {
    const out = new Int32Array(P + extra.length);
    out.set(r);
    for (let j = 0; j < extra.length; j++) out[P + j] = P + j + prepared.ropeDelta;
    return out;
  }) as [Int32Array, Int32Array, Int32Array];
  return { ...prepared, inputIds: ids, positionIds: rows };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Gives adapter `name` random non-zero B so the LoRA path changes the logits. */
export function randomizeAdapter(model: TfjsQwenModel, name: string, seed: number): void {
  const rng = createRng(seed);
  for (const m of model.core.adapters.get(name)!.modules.values()) {
    tf.tidy(() => {
      const n = m.b.size;
      m.b.assign(tf.tensor(Float32Array.from({ length: n }, () => rng.nextNormal() * 0.2), m.b.shape));
    });
  }
}


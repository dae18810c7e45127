/**
 * Cross-check against transformers.js 4.3.1 (a devDependency, never imported by the package): it reads the
 * factory-built folder with its own tokenizer, template and Qwen2VLImageProcessor code. Images have sides that
 * are multiples of 28 so neither side resizes (docs/runtime.md §3.6, §9).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, RawImage } from '@evolmm/core';
import { createCheckpoint } from './checkpoint-factory.js';
import { loadProcessor, type QwenProcessor } from './processor.js';
import { processImage } from './image-processor.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qvl-tjs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
let tjs: Any;
let ours: QwenProcessor;

beforeAll(async () => {
  await createCheckpoint(path.join(tmp, 'model'));
  ours = await loadProcessor(path.join(tmp, 'model'));
  tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.localModelPath = tmp + path.sep;
}, 120_000);

const image = (w: number, h: number): RawImage => ({ width: w, height: h, channels: 3, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37 + (i >> 7)) % 256) });

describe('transformers.js agrees', () => {
  it('image processor: same grid and pixel values (sides multiple of 28)', async () => {
    const proc = await tjs.AutoProcessor.from_pretrained('model');
    for (const [w, h] of [[84, 56], [56, 112], [140, 84]]) {
      const img = image(w, h);
      const theirs = await proc.image_processor([new tjs.RawImage(new Uint8ClampedArray(img.data), w, h, 3)]);
      const mine = processImage(img, ours.imageOptions);
      expect(theirs.image_grid_thw.tolist()[0].map(Number)).toEqual(mine.gridThw);
      expect(theirs.pixel_values.dims).toEqual([mine.gridThw[1] * mine.gridThw[2], 1176]);
      const a = theirs.pixel_values.data as Float32Array;
      let maxErr = 0;
      for (let i = 0; i < a.length; i++) maxErr = Math.max(maxErr, Math.abs(a[i] - mine.pixelValues[i]));
      expect(maxErr).toBeLessThan(1e-5);
    }
  });

  it('chat template and tokenizer: same prompt text and ids', async () => {
    const tok = await tjs.AutoTokenizer.from_pretrained('model');
    const messages: ChatMessage[] = [
      { role: 'system', content: 'You answer briefly.' },
      { role: 'user', content: [{ type: 'image', image: image(56, 56) }, { type: 'text', text: 'How many bars are there?\nAnswer: ' }] },
      { role: 'assistant', content: 'There are 3 bars — café 中文 🎉' },
      { role: 'user', content: 'hello world' },
    ];
    const plain = messages.map((m) => ({ role: m.role, content: typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'image' ? { type: 'image' } : p)) }));
    const text = tok.apply_chat_template(plain, { tokenize: false, add_generation_prompt: true });
    expect(ours.renderChat(messages)).toBe(text);
    expect(ours.tokenizer.encode(text)).toEqual([...tok.encode(text, { add_special_tokens: false })]);
    const ids = ours.tokenizer.encode(text);
    expect(ours.tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(tok.decode(ids, { skip_special_tokens: true }));
  });
});

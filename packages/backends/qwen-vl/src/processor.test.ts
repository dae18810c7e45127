import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, RawImage } from '@evolmm/core';
import { createCheckpoint } from './checkpoint-factory.js';
import { processImage } from './image-processor.js';
import { loadProcessor, type QwenProcessor } from './processor.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qvl-proc-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const image = (w: number, h: number): RawImage => ({ width: w, height: h, channels: 3, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 31) % 256) });

describe('loadProcessor + prepare', () => {
  let p: QwenProcessor;
  beforeAll(async () => {
    await createCheckpoint(path.join(tmp, 'm'));
    p = await loadProcessor(path.join(tmp, 'm'));
  });

  it('expands image pads, concatenates pixel values, computes M-RoPE positions', async () => {
    const img1 = image(84, 56); // grid [1, 4, 6] → 6 merged tokens
    const img2 = image(56, 56); // grid [1, 4, 4] → 4 merged tokens
    const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'image', image: img1 }, { type: 'image', image: img2 }, { type: 'text', text: 'Compare them.' }] }];
    const r = await p.prepare(messages);
    expect(r.imageGridThw).toEqual([[1, 4, 6], [1, 4, 4]]);
    const c = p.config;
    // Independent path: render, expand the pads in the text, tokenize.
    const text = p.renderChat(messages).replace('<|image_pad|>', '<|image_pad|>'.repeat(6)).replace(/(<\|image_pad\|>)(<\|vision_end\|>)(<\|vision_start\|>)<\|image_pad\|>/, `$1$2$3${'<|image_pad|>'.repeat(4)}`);
    expect([...r.inputIds]).toEqual(p.tokenizer.encode(text));
    expect(r.inputIds.filter((id) => id === c.imageTokenId).length).toBe(10);
    const px1 = processImage(img1, p.imageOptions).pixelValues, px2 = processImage(img2, p.imageOptions).pixelValues;
    expect(r.pixelValues!.length).toBe(px1.length + px2.length);
    expect(r.pixelValues!.subarray(0, px1.length)).toEqual(px1);
    expect(r.pixelValues!.subarray(px1.length)).toEqual(px2);
    // The first image starts right after <|vision_start|>: its positions are st + (0, h, w).
    const first = r.inputIds.indexOf(c.imageTokenId);
    const st = first;
    expect([...r.positionIds[1].subarray(first, first + 6)]).toEqual([0, 0, 0, 1, 1, 1].map((x) => x + st));
    expect([...r.positionIds[2].subarray(first, first + 6)]).toEqual([0, 1, 2, 0, 1, 2].map((x) => x + st));
    // Two images compress 10 tokens into spans of 3 and 2 positions: delta −(10 − 5) = −5.
    expect(r.ropeDelta).toBe(-5);
    const n = r.inputIds.length;
    expect(r.positionIds[0][n - 1] + 1).toBe(n + r.ropeDelta);
  });

  it('text-only prompts have no pixels and plain positions', async () => {
    const r = await p.prepare([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello world' }], { addGenerationPrompt: true });
    expect(r.pixelValues).toBeNull();
    expect(r.imageGridThw).toEqual([]);
    expect(r.ropeDelta).toBe(0);
    expect([...r.positionIds[2]]).toEqual([...r.inputIds.keys()]);
    expect(p.tokenizer.decode([...r.inputIds])).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello world<|im_end|>\n<|im_start|>assistant\n');
  });

  it('reads preprocessor_config.json; the factory maxPixels option reaches the grids', async () => {
    expect(p.imageOptions).toMatchObject({ minPixels: 3136, maxPixels: 12845056, patchSize: 14, temporalPatchSize: 2, mergeSize: 2, rescaleFactor: 1 / 255 });
    await createCheckpoint(path.join(tmp, 'small'), { maxPixels: 56 * 56 });
    const q = await loadProcessor(path.join(tmp, 'small'));
    const r = await q.prepare([{ role: 'user', content: [{ type: 'image', image: image(112, 112) }] }]);
    expect(r.imageGridThw).toEqual([[1, 4, 4]]);
  });

  it('exposes the end-of-turn and stop ids', () => {
    expect(p.endOfTurnTokenId).toBe(p.tokenizer.tokenId('<|im_end|>'));
    expect(p.stopTokenIds).toContain(p.endOfTurnTokenId);
  });

  it('clear errors: missing folder, not Qwen-VL, bad image, tiny image', async () => {
    await expect(loadProcessor(path.join(tmp, 'none'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bad = path.join(tmp, 'llama');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'config.json'), JSON.stringify({ model_type: 'llama' }));
    await expect(loadProcessor(bad)).rejects.toMatchObject({ code: 'MODEL_FORMAT' });
    await expect(p.prepare([{ role: 'user', content: [{ type: 'image', image: new Uint8Array([9, 9, 9]) }] }])).rejects.toThrow(/cannot decode image/);
    await expect(p.prepare([{ role: 'user', content: [{ type: 'image', image: image(20, 60) }] }])).rejects.toThrow(/image 1 of the prompt: image 20×60 is too small/);
    await expect(p.prepare([{ role: 'user', content: 'literal <|image_pad|> in text' }])).rejects.toThrow(/1 <\|image_pad\|> tokens but the messages have 0 images/);
  });
});

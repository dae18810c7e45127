import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawImage } from '@evolmm/core';
import { loadImageRgb } from './image-load.js';
import { CLIP_MEAN, CLIP_STD, processImage } from './image-processor.js';
import { resizeBicubicPil } from './pil-bicubic.js';
import { pyRound, smartResize } from './smart-resize.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qvl-img-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function testImage(width: number, height: number, channels: 3 | 4 = 3): RawImage {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = (x * 7 + y * 13 + c * 50 + ((x * y) % 11)) % 256;
  return { width, height, channels, data };
}

describe('smartResize (values from the Python formula, docs/runtime.md §3.6)', () => {
  it('pyRound rounds halves to even', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, 2.4999, 2.5001].map(pyRound)).toEqual([0, 2, 2, 4, 0, 2, 3]);
  });

  it.each([
    [56, 84, 56, 84],
    [50, 70, 56, 56], // 70/28 = 2.5 → 2 (Python); transformers.js's Math.round would give 84
    [70, 50, 56, 56],
    [98, 70, 112, 56], // 3.5 → 4, 2.5 → 2
    [126, 42, 112, 56], // 4.5 → 4, 1.5 → 2
    [30, 40, 56, 84], // below min_pixels: β = √(3136/1200), ceil
    [1080, 1920, 728, 1316], // above the default max 28·28·1280: floor
    [480, 640, 476, 644],
    [28, 5600, 28, 5600], // aspect ratio exactly 200 is allowed
  ])('%i×%i → %i×%i', (h, w, eh, ew) => {
    expect(smartResize(h, w)).toEqual([eh, ew]);
  });

  it('uses the given min/max pixels', () => {
    expect(smartResize(1080, 1920, { maxPixels: 12845056 })).toEqual([1092, 1932]);
    expect(smartResize(2000, 3000, { maxPixels: 12845056 })).toEqual([1988, 2996]);
    expect(smartResize(224, 224, { maxPixels: (224 * 224) / 2 })).toEqual([140, 140]);
    expect(smartResize(56, 56, { minPixels: 112 * 112 })).toEqual([112, 112]);
  });

  it('rejects tiny sides and aspect ratios above 200', () => {
    expect(() => smartResize(20, 100)).toThrow(/too small/);
    expect(() => smartResize(28, 5629)).toThrow(/aspect ratio 201/);
  });
});

/** A naive, independent re-implementation of HF's reshape + permute (docs/runtime.md §3.6) with generic strides. */
function naivePatchify(img: RawImage, P = 14, T = 2, M = 2): Float32Array {
  const H = img.height, W = img.width, C = 3;
  // [T, C, H, W], normalised in float64
  const frames = new Float64Array(T * C * H * W);
  for (let t = 0; t < T; t++)
    for (let c = 0; c < C; c++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) frames[((t * C + c) * H + y) * W + x] = (img.data[(y * W + x) * 3 + c] / 255 - CLIP_MEAN[c]) / CLIP_STD[c];
  const gh = H / P, gw = W / P;
  // reshape(gt=1, T, C, gh/M, M, P, gw/M, M, P)
  const shape = [1, T, C, gh / M, M, P, gw / M, M, P];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const perm = [0, 3, 6, 4, 7, 2, 1, 5, 8];
  const outShape = perm.map((p) => shape[p]);
  const out = new Float32Array(frames.length);
  const idx = new Array(9).fill(0);
  for (let o = 0; o < out.length; o++) {
    let rem = o;
    for (let d = 8; d >= 0; d--) {
      idx[d] = rem % outShape[d];
      rem = Math.floor(rem / outShape[d]);
    }
    let src = 0;
    for (let d = 0; d < 9; d++) src += idx[d] * strides[perm[d]];
    out[o] = frames[src];
  }
  return out;
}

describe('processImage', () => {
  it('matches the naive 9-D permute on an image with sides multiple of 28 (no resize)', () => {
    for (const [w, h] of [[84, 56], [56, 112]]) {
      const img = testImage(w, h);
      const { pixelValues, gridThw } = processImage(img);
      expect(gridThw).toEqual([1, h / 14, w / 14]);
      expect(pixelValues.length).toBe((h / 14) * (w / 14) * 1176);
      const ref = naivePatchify(img);
      let maxErr = 0;
      for (let i = 0; i < ref.length; i++) maxErr = Math.max(maxErr, Math.abs(ref[i] - pixelValues[i]));
      expect(maxErr).toBeLessThan(1e-6);
    }
  });

  it('first row = the top-left patch, channel-major, both temporal copies equal', () => {
    const img = testImage(56, 56);
    const { pixelValues } = processImage(img);
    const norm = (y: number, x: number, c: number) => (img.data[(y * 56 + x) * 3 + c] / 255 - CLIP_MEAN[c]) / CLIP_STD[c];
    // row 1 is the merge block's (0, 1) patch: pixels x ∈ [14, 28)
    expect(pixelValues[1176 + ((2 * 2 + 1) * 14 + 3) * 14 + 5]).toBeCloseTo(norm(3, 19, 2), 5); // c=2, t=1, py=3, px=5
    // row 2 is patch (1, 0): pixels y ∈ [14, 28)
    expect(pixelValues[2 * 1176 + ((0 * 2 + 0) * 14 + 0) * 14 + 0]).toBeCloseTo(norm(14, 0, 0), 5);
  });

  it('resizes per smart_resize, clamps to min/max pixels, drops alpha', () => {
    expect(processImage(testImage(70, 50)).gridThw).toEqual([1, 4, 4]);
    expect(processImage(testImage(40, 30)).gridThw).toEqual([1, 4, 6]);
    expect(processImage(testImage(200, 100), { maxPixels: 56 * 112 }).gridThw).toEqual([1, 4, 8]);
    expect(processImage(testImage(56, 56), { minPixels: 112 * 112 }).gridThw).toEqual([1, 8, 8]);
    const rgba = testImage(56, 56, 4);
    const rgb = { width: 56, height: 56, channels: 3 as const, data: rgba.data.filter((_, i) => i % 4 !== 3) };
    expect(processImage(rgba).pixelValues).toEqual(processImage(rgb).pixelValues);
  });

  it('errors on images that are too small or too elongated', () => {
    expect(() => processImage(testImage(20, 50))).toThrow(/too small/);
    expect(() => processImage(testImage(6000, 28))).toThrow(/aspect ratio/);
  });
});

describe('resizeBicubicPil', () => {
  const gray = (w: number, h: number, f: (x: number, y: number) => number): RawImage => {
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill(f(x, y), (y * w + x) * 3, (y * w + x) * 3 + 3);
    return { width: w, height: h, channels: 3, data };
  };

  it('hand-computed 4 → 2 antialiased bicubic (a = −0.5, support widened ×2)', () => {
    // weights ∝ [0.8671875, 0.8671875, 0.2265625, −0.0703125] and mirrored: 60.35 → 60, 220.68 → 221
    const row = [0, 100, 200, 255];
    const out = resizeBicubicPil(gray(4, 1, (x) => row[x]), 2, 1);
    expect([out.data[0], out.data[3]]).toEqual([60, 221]);
  });

  it('keeps constant images constant, is the identity at the same size, and stays near sharp for smooth images', async () => {
    const c = resizeBicubicPil(gray(97, 61, () => 173), 56, 84);
    expect(c.data.every((v) => v === 173)).toBe(true);
    const img = testImage(30, 20);
    expect(resizeBicubicPil(img, 30, 20).data).toEqual(img.data);
    const smooth = gray(150, 90, (x, y) => Math.round(127 + 100 * Math.sin(x / 17) * Math.cos(y / 11)));
    const ours = resizeBicubicPil(smooth, 84, 56);
    const ref = await sharp(smooth.data, { raw: { width: 150, height: 90, channels: 3 } }).resize({ width: 84, height: 56, fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
    let sum = 0;
    for (let i = 0; i < ref.length; i++) sum += Math.abs(ref[i] - ours.data[i]);
    expect(sum / ref.length).toBeLessThan(2);
  });
});

describe('loadImageRgb', () => {
  it('decodes PNG bytes, paths, file: URLs and data: URLs to the same RGB pixels; RawImage RGBA drops alpha', async () => {
    const img = testImage(30, 20, 4);
    const png = await sharp(img.data, { raw: { width: 30, height: 20, channels: 4 } }).png().toBuffer();
    const file = path.join(tmp, 'x.png');
    fs.writeFileSync(file, png);
    const rgb = img.data.filter((_, i) => i % 4 !== 3);
    for (const input of [new Uint8Array(png), file, pathToFileURL(file), `data:image/png;base64,${png.toString('base64')}`, img]) {
      const out = await loadImageRgb(input);
      expect([out.width, out.height, out.channels]).toEqual([30, 20, 3]);
      expect(Buffer.from(out.data).equals(Buffer.from(rgb))).toBe(true);
    }
  });

  it('throws clear errors for unreadable input', async () => {
    await expect(loadImageRgb(path.join(tmp, 'missing.png'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(loadImageRgb(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow(/cannot decode image/);
    await expect(loadImageRgb(new URL('https://example.com/a.png'))).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(loadImageRgb({ width: 2, height: 2, channels: 3, data: new Uint8Array(5) })).rejects.toThrow(/RawImage/);
  });
});

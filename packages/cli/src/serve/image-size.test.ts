import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '@evolmm/backend-openai';
import { describe, expect, it } from 'vitest';
import { readImageHeader } from './image-size.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, '__fixtures__');
const benchdata = path.resolve(here, '../../../../../shared/benchdata');
// Reference sizes of the shipped benchmark images, measured once with sharp (libvips), an independent decoder.
const reference = JSON.parse(readFileSync(path.join(fixtures, 'benchdata-image-sizes.json'), 'utf8')) as Record<string, [number, number]>;

describe('readImageHeader', () => {
  it('matches libvips on all 354 shipped ChartQA / MATH-Vision images (PNG and JPEG)', () => {
    const entries = Object.entries(reference);
    expect(entries.length).toBe(354);
    for (const [rel, [width, height]] of entries) {
      const h = readImageHeader(readFileSync(path.join(benchdata, rel)));
      expect({ rel, width: h?.width, height: h?.height }).toEqual({ rel, width, height });
    }
  });

  it.each([
    ['lossy-37x21.webp', 'webp'],
    ['lossless-37x21.webp', 'webp'],
    ['alpha-37x21.webp', 'webp'],
    ['anim-37x21.gif', 'gif'],
    ['progressive-37x21.jpg', 'jpeg'],
  ])('reads %s (written by sharp) as 37x21', (file, format) => {
    expect(readImageHeader(readFileSync(path.join(fixtures, file)))).toEqual({ format, width: 37, height: 21 });
  });

  it('reads our own PNG encoder output and a hand-built BMP header (negative height = top-down)', () => {
    expect(readImageHeader(encodePng({ width: 5, height: 3, channels: 3, data: new Uint8Array(45) }))).toEqual({ format: 'png', width: 5, height: 3 });
    const bmp = new Uint8Array(54);
    const dv = new DataView(bmp.buffer);
    bmp.set([0x42, 0x4d]);
    dv.setInt32(18, 640, true);
    dv.setInt32(22, -480, true);
    expect(readImageHeader(bmp)).toEqual({ format: 'bmp', width: 640, height: 480 });
  });

  it('reads a decompression bomb header without decoding: 100000x100000 claimed by a tiny PNG', () => {
    const png = encodePng({ width: 1, height: 1, channels: 3, data: new Uint8Array(3) });
    const dv = new DataView(png.buffer, png.byteOffset);
    dv.setUint32(16, 100_000);
    dv.setUint32(20, 100_000);
    expect(readImageHeader(png)).toEqual({ format: 'png', width: 100_000, height: 100_000 });
  });

  it('returns undefined for non-images and truncated headers', () => {
    expect(readImageHeader(new TextEncoder().encode('hello world, this is not an image'))).toBeUndefined();
    expect(readImageHeader(Uint8Array.of(0xff, 0xd8, 0xff))).toBeUndefined();
    expect(readImageHeader(new Uint8Array(0))).toBeUndefined();
    const jpeg = readFileSync(path.join(fixtures, 'progressive-37x21.jpg'));
    expect(readImageHeader(jpeg.subarray(0, 20))).toBeUndefined();
  });
});

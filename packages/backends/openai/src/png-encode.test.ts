import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodePng } from './png-encode.js';

/** An independent bitwise CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) to check the chunk CRCs. */
function crc32Bitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function pixels(width: number, height: number, channels: 3 | 4): Uint8Array {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) % 256;
  return data;
}

/**
 * A reader written from the PNG spec for what the encoder may emit (8-bit RGB/RGBA, no interlace, any of the five
 * filter types), checking the signature, every CRC and the IHDR fields, so it would reject a malformed file.
 */
function decodeSimplePng(png: Uint8Array) {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < png.length; ) {
    const len = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    expect(view.getUint32(at + 8 + len)).toBe(crc32Bitwise(png.subarray(at + 4, at + 8 + len)));
    const body = png.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      expect(body[8]).toBe(8); // bit depth
      channels = body[9] === 6 ? 4 : body[9] === 2 ? 3 : -1;
      expect([body[10], body[11], body[12]]).toEqual([0, 0, 0]);
    } else if (type === 'IDAT') idat.push(body);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  expect(raw.length).toBe((stride + 1) * height);
  const data = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= channels ? data[y * stride + x - channels]! : 0;
      const b = y > 0 ? data[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? data[(y - 1) * stride + x - channels]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter]!;
      data[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, channels, data };
}

describe('encodePng', () => {
  it.each([3, 4] as const)('round-trips %i-channel pixels through a from-the-spec PNG reader', (channels) => {
    const data = pixels(7, 5, channels);
    const decoded = decodeSimplePng(encodePng({ width: 7, height: 5, channels, data }));
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([7, 5, channels]);
    expect(decoded.data).toEqual(data);
  });

  it('writes valid chunk CRCs and filter-0 scanlines', () => {
    const data = pixels(3, 2, 3);
    const png = encodePng({ width: 3, height: 2, channels: 3, data });
    const view = new DataView(png.buffer, png.byteOffset);
    const types: string[] = [];
    let idat: Uint8Array | undefined;
    for (let at = 8; at < png.length; ) {
      const len = view.getUint32(at);
      const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
      types.push(type);
      expect(view.getUint32(at + 8 + len)).toBe(crc32Bitwise(png.subarray(at + 4, at + 8 + len)));
      if (type === 'IDAT') idat = png.subarray(at + 8, at + 8 + len);
      at += 12 + len;
    }
    expect(types).toEqual(['IHDR', 'IDAT', 'IEND']);
    const raw = inflateSync(idat!);
    expect([...raw]).toEqual([0, ...data.subarray(0, 9), 0, ...data.subarray(9)]);
  });

  it('refuses inconsistent images with a message naming the sizes', () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) })).toThrow(/11 bytes but 2x2x3 needs 12/);
    expect(() => encodePng({ width: 0, height: 2, channels: 3, data: new Uint8Array(0) })).toThrow(/positive integer/);
    expect(() => encodePng({ width: 1, height: 1, channels: 2 as 3, data: new Uint8Array(2) })).toThrow(/channels/);
  });
});

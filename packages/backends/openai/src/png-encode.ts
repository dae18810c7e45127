import { crc32, deflateSync } from 'node:zlib';
import { EvolmmError } from '@evolmm/core';
import type { RawImage } from '@evolmm/core';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/**
 * Encodes decoded pixels as a PNG (8-bit RGB or RGBA, filter "None" on every row, zlib level 6).
 * Why our own: an OpenAI-compatible server only takes encoded images (data URLs), and a 40-line encoder keeps this
 * package free of native image libraries. Lossless, so the server sees exactly the pixels the caller had.
 */
export function encodePng(image: RawImage): Uint8Array {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new EvolmmError('INVALID_ARGUMENT', `RawImage needs positive integer width and height, got ${width}x${height}`);
  }
  if (channels !== 3 && channels !== 4) {
    throw new EvolmmError('INVALID_ARGUMENT', `RawImage channels must be 3 (RGB) or 4 (RGBA), got ${String(channels)}`);
  }
  const stride = width * channels;
  if (data.length !== stride * height) {
    throw new EvolmmError(
      'INVALID_ARGUMENT',
      `RawImage data has ${data.length} bytes but ${width}x${height}x${channels} needs ${stride * height}`,
    );
  }
  // Each scanline is prefixed by its filter type byte (0 = None), PNG spec §9.
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 4 ? 6 : 2; // colour type: 6 = RGBA, 2 = RGB
  // bytes 10..12: compression 0, filter method 0, interlace 0
  return concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  // The CRC covers the chunk type and data, not the length (PNG spec §5.3).
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

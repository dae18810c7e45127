import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { EvolmmError, type ImageInput, type RawImage } from '@evolmm/core';
import { dropAlpha } from './pil-bicubic.js';

function describe(input: ImageInput): string {
  if (typeof input === 'string') return input.startsWith('data:') ? `data URL (${input.slice(0, 30)}…)` : input;
  if (input instanceof URL) return input.href;
  if (input instanceof Uint8Array) return `${input.byteLength} bytes`;
  return `RawImage ${input.width}×${input.height}`;
}

/**
 * Decodes an image to 8-bit RGB (docs/runtime.md §7): a file path, a `file:` URL, a `data:` URL (base64 or
 * percent-encoded), encoded bytes (PNG/JPEG/WebP/GIF/TIFF/AVIF… via sharp), or a RawImage. Alpha is dropped
 * (core's RawImage contract).
 */
export async function loadImageRgb(input: ImageInput): Promise<RawImage> {
  if (typeof input === 'object' && !(input instanceof Uint8Array) && !(input instanceof URL)) {
    const img = input as RawImage;
    if (!(img.width > 0 && img.height > 0) || (img.channels !== 3 && img.channels !== 4) || img.data.length !== img.width * img.height * img.channels) {
      throw new EvolmmError('INVALID_ARGUMENT', `RawImage must have width, height > 0, channels 3 or 4 and width·height·channels bytes; found ${img.width}×${img.height}×${img.channels} with ${img.data?.length} bytes`);
    }
    return { width: img.width, height: img.height, channels: 3, data: dropAlpha(img) };
  }
  let bytes: Uint8Array;
  if (input instanceof Uint8Array) {
    bytes = input;
  } else if (typeof input === 'string' && input.startsWith('data:')) {
    const comma = input.indexOf(',');
    if (comma < 0) throw new EvolmmError('INVALID_ARGUMENT', `malformed data URL ${describe(input)}: expected "data:<mime>[;base64],<data>"`);
    const meta = input.slice(5, comma);
    const payload = input.slice(comma + 1);
    bytes = meta.endsWith(';base64') ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload), 'latin1');
  } else {
    const file = input instanceof URL ? (input.protocol === 'file:' ? fileURLToPath(input) : undefined) : input;
    if (file === undefined) throw new EvolmmError('UNSUPPORTED', `image URL ${describe(input)}: only file: and data: URLs are read (nothing downloads at run time); fetch it yourself and pass the bytes`);
    try {
      bytes = fs.readFileSync(file);
    } catch (cause) {
      throw new EvolmmError('NOT_FOUND', `cannot read image ${file}: ${(cause as Error).message}`, { cause, details: { path: file } });
    }
  }
  try {
    const { data, info } = await sharp(bytes).removeAlpha().toColorspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (cause) {
    throw new EvolmmError('INVALID_ARGUMENT', `cannot decode image ${describe(input)}: ${(cause as Error).message}; expected PNG, JPEG, WebP, GIF, TIFF or AVIF data`, { cause });
  }
}

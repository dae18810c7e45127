import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { EvolmmError } from '@evolmm/core';
import type { ImageInput, RawImage } from '@evolmm/core';
import { encodePng } from './png-encode.js';

/**
 * Recognises an encoded image by its magic bytes. Servers (vLLM, SGLang, evolmm serve) decode by content, but the
 * data URL's media type must still be an image type, and an unknown format is better refused here with a clear error.
 */
export function sniffImageType(bytes: Uint8Array): string | undefined {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'image/gif';
  if (
    b.length >= 12 &&
    b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && // RIFF
    b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50 // WEBP
  ) {
    return 'image/webp';
  }
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return 'image/bmp';
  return undefined;
}

function isRawImage(x: ImageInput): x is RawImage {
  return typeof x === 'object' && !(x instanceof Uint8Array) && !(x instanceof URL) && 'width' in x && 'data' in x;
}

/** Encoded bytes → `data:image/...;base64,...`. */
export function bytesToDataUrl(bytes: Uint8Array, what = 'image bytes'): string {
  const type = sniffImageType(bytes);
  if (!type) {
    throw new EvolmmError(
      'INVALID_ARGUMENT',
      `${what} are not a PNG, JPEG, GIF, WebP or BMP file (first bytes ${hexHead(bytes)}); pass an encoded image, ` +
        'a file path, a data: URL or a RawImage',
    );
  }
  return `data:${type};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}`;
}

function hexHead(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ') || '(empty)';
}

/**
 * Turns any ImageInput into the `image_url.url` an OpenAI-compatible server accepts. Local files and pixels are
 * inlined as data URLs because the server usually cannot see this machine's disk; http(s) URLs and data URLs pass
 * through unchanged (the server fetches http URLs itself — this package never downloads anything).
 */
export async function imageToUrl(image: ImageInput, signal?: AbortSignal): Promise<string> {
  if (image instanceof Uint8Array) return bytesToDataUrl(image);
  if (isRawImage(image)) return bytesToDataUrl(encodePng(image), 'encoded RawImage');
  const url = image instanceof URL ? image.href : image;
  if (typeof url !== 'string') {
    throw new EvolmmError('INVALID_ARGUMENT', `unsupported image input of type ${typeof image}; expected a path, URL, bytes or RawImage`);
  }
  if (url.startsWith('data:')) {
    if (!/^data:image\/[a-z0-9.+-]+(;[^,]*)?,/i.test(url)) {
      throw new EvolmmError('INVALID_ARGUMENT', `data URL '${url.slice(0, 40)}…' is not an image; expected data:image/<type>;base64,...`);
    }
    return url;
  }
  if (/^https?:\/\//i.test(url)) return url;
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file, { signal });
  } catch (err) {
    if ((err as { name?: string }).name === 'AbortError') throw new EvolmmError('ABORTED', 'reading the image was cancelled', { cause: err });
    throw new EvolmmError('IO', `cannot read image file '${file}': ${(err as Error).message}; check the path`, {
      cause: err,
      details: { path: file },
    });
  }
  return bytesToDataUrl(bytes, `image file '${file}'`);
}

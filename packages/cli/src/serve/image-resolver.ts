import { realpathSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EvolmmError } from '@evolmm/core';
import { HttpError } from './http-error.js';
import { readImageHeader } from './image-size.js';

export interface ImageResolverOptions {
  /** Folders whose files may be named by path. Empty: file paths are refused (403). */
  readonly allowDirs: readonly string[];
  readonly maxImageBytes: number;
  readonly maxImagePixels: number;
}

/** Turns an `image_url.url` (data URL, absolute path, file:// URL) into checked, encoded image bytes. */
export type ImageResolver = (url: string, param: string) => Promise<Uint8Array>;

function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * Files are read only under an explicit allow-dir, and the check runs twice: on the lexically resolved path (so
 * `..` cannot leave the folder and nothing outside is even probed) and on the realpath (so a symlink inside the
 * folder cannot point outside). Remote URLs are refused: the server never downloads anything.
 */
export function createImageResolver(opts: ImageResolverOptions): ImageResolver {
  const allowed = opts.allowDirs.map((d) => {
    const resolved = path.resolve(d);
    let real: string;
    try {
      real = realpathSync(resolved);
    } catch (err) {
      throw new EvolmmError('NOT_FOUND', `allow-dir '${d}' does not exist; create it or pass an existing folder`, { cause: err });
    }
    return { resolved, real };
  });

  function checkDecoded(bytes: Uint8Array, param: string, what: string): Uint8Array {
    const header = readImageHeader(bytes);
    if (!header) {
      throw new HttpError(400, `${what} is not a PNG, JPEG, GIF, WebP or BMP image (or its header is damaged)`, 'invalid_request_error', param, 'invalid_image');
    }
    const pixels = header.width * header.height;
    if (pixels > opts.maxImagePixels) {
      throw new HttpError(
        400,
        `${what} is ${header.width}x${header.height} = ${pixels} pixels, over the ${opts.maxImagePixels}-pixel limit; resize it (server option maxImagePixels)`,
        'invalid_request_error',
        param,
        'image_too_large',
      );
    }
    if (pixels === 0) throw new HttpError(400, `${what} has zero width or height`, 'invalid_request_error', param, 'invalid_image');
    return bytes;
  }

  async function readAllowedFile(file: string, param: string): Promise<Uint8Array> {
    if (allowed.length === 0) {
      throw new HttpError(403, 'image file paths are disabled on this server; send a data: URL, or start the server with --allow-dir <folder>', 'invalid_request_error', param, 'path_not_allowed');
    }
    if (file.includes('\0')) throw new HttpError(400, 'image path contains a NUL byte', 'invalid_request_error', param, 'invalid_image_url');
    if (!path.isAbsolute(file)) {
      throw new HttpError(400, `image path '${file}' is relative; send an absolute path or a file:// URL under an allow-dir`, 'invalid_request_error', param, 'invalid_image_url');
    }
    const lexical = path.resolve(file);
    const notAllowed = () =>
      new HttpError(403, `image path '${file}' is outside the allowed folders`, 'invalid_request_error', param, 'path_not_allowed');
    if (!allowed.some((a) => isInside(a.resolved, lexical) || isInside(a.real, lexical))) throw notAllowed();
    let real: string;
    try {
      real = await realpath(lexical);
    } catch {
      throw new HttpError(400, `image file '${file}' does not exist`, 'invalid_request_error', param, 'image_not_found');
    }
    if (!allowed.some((a) => isInside(a.real, real))) throw notAllowed();
    // Open once and stat the open handle, so the file checked is the file read.
    const handle = await open(real, 'r').catch(() => {
      throw new HttpError(400, `image file '${file}' cannot be opened`, 'invalid_request_error', param, 'image_not_found');
    });
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new HttpError(400, `image path '${file}' is not a regular file`, 'invalid_request_error', param, 'invalid_image_url');
      if (st.size > opts.maxImageBytes) {
        throw new HttpError(400, `image file '${file}' has ${st.size} bytes, over the ${opts.maxImageBytes}-byte limit`, 'invalid_request_error', param, 'image_too_large');
      }
      return checkDecoded(new Uint8Array(await handle.readFile()), param, `image file '${file}'`);
    } finally {
      await handle.close();
    }
  }

  return async (url, param) => {
    if (url.startsWith('data:')) {
      const m = /^data:(image\/[a-z0-9.+-]+)?((?:;[^;,]*)*);base64,/i.exec(url);
      if (!m || !m[1]) {
        throw new HttpError(400, "image data URL must look like 'data:image/png;base64,...'", 'invalid_request_error', param, 'invalid_image_url');
      }
      const payload = url.slice(m[0].length);
      // Base64 is 4/3 of the bytes: refuse before decoding anything oversized.
      if (payload.length * 0.75 > opts.maxImageBytes + 3) {
        throw new HttpError(400, `image data URL decodes to more than ${opts.maxImageBytes} bytes`, 'invalid_request_error', param, 'image_too_large');
      }
      if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload)) {
        throw new HttpError(400, 'image data URL is not valid base64', 'invalid_request_error', param, 'invalid_image_url');
      }
      return checkDecoded(new Uint8Array(Buffer.from(payload, 'base64')), param, 'image data URL');
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('file:')) {
      throw new HttpError(400, `image URL '${url.slice(0, 80)}' is remote; this server never downloads — send a data: URL instead`, 'invalid_request_error', param, 'invalid_image_url');
    }
    let file = url;
    if (url.startsWith('file:')) {
      try {
        file = fileURLToPath(url);
      } catch (err) {
        throw new HttpError(400, `image URL '${url.slice(0, 80)}' is not a valid file:// URL: ${(err as Error).message}`, 'invalid_request_error', param, 'invalid_image_url');
      }
    }
    return readAllowedFile(file, param);
  };
}

import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/**
 * Reads the whole request body, refusing more than `maxBytes` with 413 — first from Content-Length, then while
 * streaming (a chunked body has no length). After a refusal the rest of the body is drained and thrown away
 * (not buffered) so a client that is still uploading receives the 413 rather than a connection reset; the caller
 * closes the connection after answering.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError(
      413,
      `request body exceeds the ${maxBytes}-byte limit; send smaller or fewer images (server option maxBodyBytes)`,
      'invalid_request_error',
      null,
      'request_too_large',
    );
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume(); // drain: no listener keeps the data
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        chunks.length = 0;
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onAborted = () => {
      cleanup();
      reject(new Error('client disconnected while sending the body'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

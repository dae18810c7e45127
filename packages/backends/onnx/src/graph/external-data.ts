import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Streams initializer bytes into `<model>.onnx_data` (the name transformers.js and ORT expect, docs/runtime.md §4).
 * Weights are written as they are produced, so exporting a multi-GB model never holds them all in memory, and the
 * model proto stays far below protobuf's 2 GB limit.
 */
export class ExternalDataWriter {
  readonly location: string;
  private readonly fd: number;
  private position = 0;
  bytesWritten = 0;

  /**
   * `path` is where bytes are written now; `finalPath` is where the file will live when the model is loaded (the
   * model proto records its base name, relative to the model file). Default: `path`.
   */
  constructor(readonly path: string, finalPath: string = path, private readonly alignment = 4096) {
    this.location = basename(finalPath);
    this.fd = openSync(path, 'w');
  }

  write(bytes: Uint8Array): { offset: number; length: number } {
    // Page alignment lets ORT memory-map large tensors; padding costs < 4 KB per tensor.
    const pad = (this.alignment - (this.position % this.alignment)) % this.alignment;
    if (pad) {
      writeSync(this.fd, new Uint8Array(pad), 0, pad, this.position);
      this.position += pad;
    }
    const offset = this.position;
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(this.fd, bytes, done, bytes.byteLength - done, offset + done);
    this.position += bytes.byteLength;
    this.bytesWritten += bytes.byteLength;
    return { offset, length: bytes.byteLength };
  }

  close(): void {
    closeSync(this.fd);
  }
}

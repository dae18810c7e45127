import fs from 'node:fs';
import { EvolmmError } from '@evolmm/core';
import { bf16ToF32, f16ToF32 } from './dtype.js';
import { numel, parseHeader, type HeaderEntry, type TensorInfo } from './safetensors-format.js';

/** Reads at most this many bytes per readSync call (Node limits one read to < 2 GiB). */
const CHUNK = 1 << 30;

/**
 * One open safetensors file. Reads the header once, then each tensor on demand with `fs.readSync` at its offset,
 * so shards above 2 GiB work and memory holds one tensor at a time (docs/runtime.md §8; the "no twice
 * the model in memory" rule).
 */
export class SafetensorsFile {
  readonly path: string;
  readonly metadata: Record<string, string>;
  private readonly entries = new Map<string, HeaderEntry>();
  private fd: number | null;
  private readonly dataStart: number;

  constructor(file: string) {
    this.path = file;
    try {
      this.fd = fs.openSync(file, 'r');
    } catch (cause) {
      throw new EvolmmError('NOT_FOUND', `cannot open safetensors file ${file}: ${(cause as Error).message}`, { cause, details: { path: file } });
    }
    try {
      const size = fs.fstatSync(this.fd).size;
      const lenBuf = Buffer.alloc(8);
      if (size < 8 || fs.readSync(this.fd, lenBuf, 0, 8, 0) !== 8) throw new EvolmmError('MODEL_FORMAT', `${file} is too short to be a safetensors file (${size} bytes)`);
      const n = Number(lenBuf.readBigUInt64LE(0));
      if (n > size - 8 || n > 100_000_000) throw new EvolmmError('MODEL_FORMAT', `${file}: header length ${n} exceeds the file size ${size}; not a safetensors file`);
      const hdr = Buffer.alloc(n);
      fs.readSync(this.fd, hdr, 0, n, 8);
      this.dataStart = 8 + n;
      const { entries, metadata } = parseHeader(hdr.toString('utf8'), file, size - this.dataStart);
      for (const e of entries) this.entries.set(e.name, e);
      this.metadata = metadata;
    } catch (e) {
      fs.closeSync(this.fd);
      this.fd = null;
      throw e;
    }
  }

  get names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  info(name: string): TensorInfo {
    const e = this.entry(name);
    return { name: e.name, dtype: e.dtype, shape: e.shape.slice() };
  }

  /** The tensor's raw little-endian bytes (a fresh, 8-byte aligned buffer). */
  readBytes(name: string): Uint8Array {
    const e = this.entry(name);
    if (this.fd === null) throw new EvolmmError('INVALID_ARGUMENT', `${this.path} is closed`);
    const len = e.end - e.begin;
    const buf = new Uint8Array(new ArrayBuffer(Math.ceil(len / 8) * 8), 0, len);
    for (let off = 0; off < len; ) {
      const got = fs.readSync(this.fd, buf, off, Math.min(CHUNK, len - off), this.dataStart + e.begin + off);
      if (got <= 0) throw new EvolmmError('IO', `${this.path}: unexpected end of file reading ${name}`);
      off += got;
    }
    return buf;
  }

  /** The tensor converted to float32 (F32, F16, BF16, I32, I64, U8). */
  readFloat32(name: string): Float32Array {
    const e = this.entry(name);
    const bytes = this.readBytes(name);
    const n = numel(e.shape);
    switch (e.dtype) {
      case 'F32':
        return new Float32Array(bytes.buffer, 0, n);
      case 'BF16':
        return bf16ToF32(new Uint16Array(bytes.buffer, 0, n));
      case 'F16':
        return f16ToF32(new Uint16Array(bytes.buffer, 0, n));
      case 'I32':
        return Float32Array.from(new Int32Array(bytes.buffer, 0, n));
      case 'I64': {
        const v = new BigInt64Array(bytes.buffer, 0, n);
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) out[i] = Number(v[i]);
        return out;
      }
      case 'U8':
        return Float32Array.from(bytes);
    }
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private entry(name: string): HeaderEntry {
    const e = this.entries.get(name);
    if (!e) throw new EvolmmError('NOT_FOUND', `${this.path} has no tensor ${name}`, { details: { name } });
    return e;
  }
}

/**
 * Reads a whole (small) safetensors file, e.g. a LoRA adapter, converting every tensor to float32.
 * For model weights use `openWeights`, which reads one tensor at a time.
 */
export function readSafetensors(file: string): { tensors: Map<string, TensorInfo & { data: Float32Array }>; metadata: Record<string, string> } {
  const f = new SafetensorsFile(file);
  try {
    const tensors = new Map<string, TensorInfo & { data: Float32Array }>();
    for (const name of f.names) tensors.set(name, { ...f.info(name), data: f.readFloat32(name) });
    return { tensors, metadata: { ...f.metadata } };
  } finally {
    f.close();
  }
}

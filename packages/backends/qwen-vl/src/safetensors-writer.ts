import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError, fsyncDir } from '@evolmm/core';
import { f32ToBf16, f32ToF16 } from './dtype.js';
import { DTYPE_BYTES, numel, type DType, type TensorInfo } from './safetensors-format.js';

export interface TensorToWrite {
  name: string;
  dtype: DType;
  shape: number[];
  /** Float32Array for F32/F16/BF16 (converted on write), or the dtype's own storage (Uint16Array for F16/BF16 bits, Int32Array, BigInt64Array, Uint8Array). */
  data: Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array;
}

/** Raw little-endian bytes of one tensor in its target dtype. */
export function tensorBytes(t: TensorToWrite): Uint8Array {
  const n = numel(t.shape);
  if (t.data.length !== n) {
    throw new EvolmmError('INVALID_ARGUMENT', `tensor ${t.name}: shape ${JSON.stringify(t.shape)} has ${n} elements but data has ${t.data.length}`);
  }
  let out: ArrayBufferView;
  const d = t.data;
  if (d instanceof Float32Array) {
    if (t.dtype === 'F32') out = d;
    else if (t.dtype === 'BF16') out = f32ToBf16(d);
    else if (t.dtype === 'F16') out = f32ToF16(d);
    else throw new EvolmmError('INVALID_ARGUMENT', `tensor ${t.name}: Float32Array data cannot be written as ${t.dtype}`);
  } else {
    const ok = (t.dtype === 'BF16' || t.dtype === 'F16') ? d instanceof Uint16Array
      : t.dtype === 'I32' ? d instanceof Int32Array
      : t.dtype === 'I64' ? d instanceof BigInt64Array
      : t.dtype === 'U8' ? d instanceof Uint8Array : false;
    if (!ok) throw new EvolmmError('INVALID_ARGUMENT', `tensor ${t.name}: ${d.constructor.name} data does not match dtype ${t.dtype}`);
    out = d;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Orders tensors like the reference implementation (larger element size first, then by name) so every tensor
 * starts at an offset aligned to its element size; the data section has no holes (safetensors rule).
 */
function layout(infos: TensorInfo[], metadata?: Record<string, string>): { order: TensorInfo[]; header: Buffer; offsets: number[] } {
  const order = infos.slice().sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const json: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) json.__metadata__ = metadata;
  const offsets: number[] = [];
  let off = 0;
  const seen = new Set<string>();
  for (const t of order) {
    if (seen.has(t.name)) throw new EvolmmError('INVALID_ARGUMENT', `tensor name ${t.name} appears twice`);
    seen.add(t.name);
    const len = numel(t.shape) * DTYPE_BYTES[t.dtype];
    json[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + len] };
    offsets.push(off);
    off += len;
  }
  let text = JSON.stringify(json);
  text += ' '.repeat((8 - ((8 + Buffer.byteLength(text)) % 8)) % 8); // pad so data starts 8-aligned
  const hb = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8 + hb.length);
  header.writeBigUInt64LE(BigInt(hb.length), 0);
  hb.copy(header, 8);
  return { order, header, offsets };
}

/**
 * Writes a safetensors file atomically (temp file, fsync, rename), producing each tensor's bytes only when it is
 * written, so a multi-GB checkpoint never sits in memory at once.
 */
export function writeSafetensorsStreaming(
  file: string,
  infos: TensorInfo[],
  produce: (info: TensorInfo) => Uint8Array,
  metadata?: Record<string, string>,
): void {
  const { order, header } = layout(infos, metadata);
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    writeAll(fd, header);
    for (const t of order) {
      const bytes = produce(t);
      const want = numel(t.shape) * DTYPE_BYTES[t.dtype];
      if (bytes.byteLength !== want) throw new EvolmmError('INVALID_ARGUMENT', `tensor ${t.name}: produced ${bytes.byteLength} bytes, expected ${want}`);
      writeAll(fd, bytes);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (cause) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    if (cause instanceof EvolmmError) throw cause;
    throw new EvolmmError('IO', `could not write ${file}: ${(cause as Error).message}`, { cause });
  }
  fsyncDir(dir);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.byteLength; ) off += fs.writeSync(fd, bytes, off, Math.min(1 << 30, bytes.byteLength - off));
}

/** Writes tensors to one safetensors file, atomically. Float32 data is converted to F16/BF16 when asked. */
export async function writeSafetensors(file: string, tensors: TensorToWrite[], metadata?: Record<string, string>): Promise<void> {
  writeSafetensorsSync(file, tensors, metadata);
}

/** Synchronous {@link writeSafetensors}. */
export function writeSafetensorsSync(file: string, tensors: TensorToWrite[], metadata?: Record<string, string>): void {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const infos = tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape }));
  writeSafetensorsStreaming(file, infos, (info) => tensorBytes(byName.get(info.name)!), metadata);
}

import { EvolmmError } from '@evolmm/core';

/** Element types of safetensors files (docs/runtime.md §8). */
export type DType = 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8';

export interface TensorInfo {
  name: string;
  dtype: DType;
  shape: number[];
}

export const DTYPE_BYTES: Record<DType, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1 };

/** One parsed header entry: byte range relative to the start of the data section. */
export interface HeaderEntry extends TensorInfo {
  begin: number;
  end: number;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Parses and validates the JSON header of a safetensors file. */
export function parseHeader(json: string, file: string, dataBytes: number): { entries: HeaderEntry[]; metadata: Record<string, string> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (cause) {
    throw new EvolmmError('MODEL_FORMAT', `${file}: the safetensors header is not valid JSON (${(cause as Error).message}); the file is corrupt or not safetensors`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null) throw new EvolmmError('MODEL_FORMAT', `${file}: safetensors header must be a JSON object`);
  const entries: HeaderEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (v ?? {}) as Record<string, string>;
      continue;
    }
    const e = v as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (!e || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) {
      throw new EvolmmError('MODEL_FORMAT', `${file}: tensor ${name} has a malformed header entry ${JSON.stringify(v)}`);
    }
    if (!(e.dtype in DTYPE_BYTES)) {
      throw new EvolmmError('UNSUPPORTED', `${file}: tensor ${name} has dtype ${e.dtype}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}`);
    }
    const dtype = e.dtype as DType;
    const [begin, end] = e.data_offsets;
    if (end - begin !== numel(e.shape) * DTYPE_BYTES[dtype] || begin < 0 || end > dataBytes) {
      throw new EvolmmError('MODEL_FORMAT', `${file}: tensor ${name} (${dtype} ${JSON.stringify(e.shape)}) has byte range [${begin}, ${end}) that does not match its shape or the file size (${dataBytes} data bytes); the file is truncated or corrupt`);
    }
    entries.push({ name, dtype, shape: e.shape.slice(), begin, end });
  }
  return { entries, metadata };
}

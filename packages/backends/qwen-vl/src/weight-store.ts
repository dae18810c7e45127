import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from '@evolmm/core';
import { readJsonFile } from './config.js';
import { SafetensorsFile } from './safetensors-reader.js';
import type { TensorInfo } from './safetensors-format.js';
import { canonicalWeightName } from './weight-names.js';

/** Read access to a model folder's weights under canonical names (see weight-names.ts). */
export interface WeightStore {
  readonly names: readonly string[];
  has(name: string): boolean;
  info(name: string): TensorInfo;
  /** One tensor as float32 (bf16/f16 converted), read from disk on each call. */
  readFloat32(name: string): Float32Array;
  /** One tensor's raw little-endian bytes in its stored dtype. */
  readBytes(name: string): Uint8Array;
  close(): void;
}

/**
 * Opens `model.safetensors`, or the shards listed in `model.safetensors.index.json`, reading only headers.
 * Tensors are read one at a time on demand (docs/runtime.md §8: per-tensor `readSync`, shards may exceed 2 GiB).
 */
export function openWeights(dir: string): WeightStore {
  if (!fs.existsSync(dir)) throw new EvolmmError('NOT_FOUND', `model folder ${dir} does not exist; expected a folder with model.safetensors or model.safetensors.index.json`, { details: { path: dir } });
  const index = path.join(dir, 'model.safetensors.index.json');
  const single = path.join(dir, 'model.safetensors');
  let files: string[];
  if (fs.existsSync(index)) {
    const json = readJsonFile(index) as { weight_map?: Record<string, string> };
    if (!json.weight_map || typeof json.weight_map !== 'object') {
      throw new EvolmmError('MODEL_FORMAT', `${index} has no "weight_map"; expected {"weight_map": {"tensor name": "shard file"}}`);
    }
    files = [...new Set(Object.values(json.weight_map))];
  } else if (fs.existsSync(single)) {
    files = ['model.safetensors'];
  } else {
    const found = fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors'));
    throw new EvolmmError(
      'NOT_FOUND',
      `${dir} has neither model.safetensors nor model.safetensors.index.json${found.length ? ` (found ${found.join(', ')})` : ''}; expected Hugging Face safetensors weights`,
      { details: { path: dir } },
    );
  }
  const opened: SafetensorsFile[] = [];
  const where = new Map<string, { file: SafetensorsFile; stored: string }>();
  try {
    for (const f of files) {
      const sf = new SafetensorsFile(path.join(dir, f));
      opened.push(sf);
      for (const stored of sf.names) {
        const canonical = canonicalWeightName(stored);
        if (where.has(canonical)) throw new EvolmmError('MODEL_FORMAT', `${dir}: tensor ${canonical} is stored twice (as ${where.get(canonical)!.stored} and ${stored})`);
        where.set(canonical, { file: sf, stored });
      }
    }
  } catch (e) {
    for (const sf of opened) sf.close();
    throw e;
  }
  const names = [...where.keys()].sort();
  const get = (name: string) => {
    const w = where.get(name) ?? where.get(canonicalWeightName(name));
    if (!w) throw new EvolmmError('NOT_FOUND', `${dir} has no tensor ${name} (it has ${names.length} tensors)`, { details: { name } });
    return w;
  };
  return {
    names,
    has: (name) => where.has(name) || where.has(canonicalWeightName(name)),
    info: (name) => ({ ...get(name).file.info(get(name).stored), name: canonicalWeightName(name) }),
    readFloat32: (name) => {
      const w = get(name);
      return w.file.readFloat32(w.stored);
    },
    readBytes: (name) => {
      const w = get(name);
      return w.file.readBytes(w.stored);
    },
    close: () => {
      for (const sf of opened) sf.close();
    },
  };
}

import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError, fsyncDir, writeJsonAtomic, type RngState } from '@evolmm/core';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '@evolmm/qwen-vl';

/** trainer_state.json of a tfjs checkpoint. */
export interface TrainerState {
  format: 'evolmm-tfjs-checkpoint';
  version: 1;
  baseModel: string;
  adapters: Record<string, { optimizerStep: number; accumulated: number }>;
  rng: { dropout: RngState; seeds: RngState };
}

export const STATE_FILE = 'trainer_state.json';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const ADAPTERS_DIR = 'adapters';

/**
 * Builds a checkpoint in a temp folder beside `dir`, then renames it into place (replacing an older one), so a
 * reader sees a complete checkpoint or the previous one, never a mix.
 */
export async function writeCheckpointAtomic(
  dir: string,
  fill: (tmp: string) => Promise<void>,
): Promise<void> {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  fs.mkdirSync(parent, { recursive: true });
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmp = `${abs}.tmp-${tag}`;
  const old = `${abs}.old-${tag}`;
  fs.mkdirSync(tmp);
  try {
    await fill(tmp);
    fsyncDir(tmp);
    const existed = fs.existsSync(abs);
    if (existed) fs.renameSync(abs, old);
    fs.renameSync(tmp, abs);
    fsyncDir(parent);
    if (existed) fs.rmSync(old, { recursive: true, force: true });
  } catch (cause) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(abs) && fs.existsSync(old)) fs.renameSync(old, abs);
    throw EvolmmError.isInstance(cause)
      ? cause
      : new EvolmmError('IO', `could not write checkpoint ${dir}: ${(cause as Error).message}`, { cause });
  }
}

export function writeState(dir: string, state: TrainerState): void {
  writeJsonAtomic(path.join(dir, STATE_FILE), state);
}

export function readState(dir: string): TrainerState {
  const file = path.join(dir, STATE_FILE);
  if (!fs.existsSync(file)) {
    throw new EvolmmError('CHECKPOINT', `${dir} is not a tfjs checkpoint: ${STATE_FILE} is missing (write one with saveCheckpoint)`);
  }
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainerState;
  if (s.format !== 'evolmm-tfjs-checkpoint' || s.version !== 1) {
    throw new EvolmmError('CHECKPOINT', `${file} has format ${String(s.format)} v${String(s.version)}; expected evolmm-tfjs-checkpoint v1`);
  }
  return s;
}

export async function writeTensors(file: string, tensors: TensorToWrite[]): Promise<void> {
  await writeSafetensors(file, tensors, { format: 'evolmm' });
}

export function readTensors(file: string): Map<string, { shape: number[]; data: Float32Array }> {
  if (!fs.existsSync(file)) return new Map();
  return readSafetensors(file).tensors;
}

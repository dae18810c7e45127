import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from '../errors.js';
import { JsonlWriter } from '../event-log.js';
import { latestCheckpoint, listCheckpoints, removeStaleCheckpoints } from './checkpoint.js';

/** What every resumable run (evolve, sft) stores in `trainer_state.json` besides its own fields. */
export interface BaseTrainerState {
  readonly version: 1;
  readonly kind: string;
  /** Completed iterations (evolve) or optimiser steps (sft). */
  readonly step: number;
  /** Lines of events.jsonl written up to this checkpoint (the resume truncates the log to them). */
  readonly eventLines: number;
  readonly configHash: string;
  /** The hashed part of the config, to name the keys that differ when a resume is refused. */
  readonly config: Record<string, unknown>;
}

export const EVENTS_FILE = 'events.jsonl';
export const CHECKPOINTS_DIR = 'checkpoints';
export const TRAINER_STATE_FILE = 'trainer_state.json';
export const POLICY_DIR = 'policy';

export interface OpenedRun<S extends BaseTrainerState> {
  readonly writer: JsonlWriter;
  readonly eventsFile: string;
  readonly checkpointsDir: string;
  /** The checkpoint resumed from, if any. */
  readonly resumed?: { readonly dir: string; readonly state: S };
}

/**
 * Opens `out` for a run: a fresh start (refusing to clobber an existing run unless `overwrite`), or a resume from
 * the newest complete checkpoint (docs/method.md §9 D6), truncating events.jsonl to the lines that checkpoint
 * covers. A resume with no checkpoint yet starts over.
 */
export function openRun<S extends BaseTrainerState>(opts: {
  out: string;
  kind: string;
  resume: boolean;
  overwrite: boolean;
  configHash: string;
  config: Record<string, unknown>;
}): OpenedRun<S> {
  const eventsFile = path.join(opts.out, EVENTS_FILE);
  const checkpointsDir = path.join(opts.out, CHECKPOINTS_DIR);
  fs.mkdirSync(opts.out, { recursive: true });
  if (!opts.resume) {
    const hasEvents = fs.existsSync(eventsFile) && fs.statSync(eventsFile).size > 0;
    const nCk = listCheckpoints(checkpointsDir).length;
    if ((hasEvents || nCk > 0) && !opts.overwrite) {
      throw new EvolmmError(
        'INVALID_ARGUMENT',
        `${opts.out} already holds a run (${hasEvents ? 'events.jsonl' : 'no events'}, ${nCk} checkpoint(s)); ` +
          `resume it (resume: true / --resume), start over (overwrite: true / --overwrite), or choose another folder`,
      );
    }
    fs.rmSync(eventsFile, { force: true });
    fs.rmSync(checkpointsDir, { recursive: true, force: true });
    return { writer: JsonlWriter.open(eventsFile, { keepLines: 0 }), eventsFile, checkpointsDir };
  }
  removeStaleCheckpoints(checkpointsDir);
  const latest = latestCheckpoint(checkpointsDir);
  if (!latest) return { writer: JsonlWriter.open(eventsFile, { keepLines: 0 }), eventsFile, checkpointsDir };
  const state = readTrainerState<S>(latest.dir);
  if (state.kind !== opts.kind) {
    throw new EvolmmError('CHECKPOINT', `${latest.dir} is a '${state.kind}' checkpoint, not '${opts.kind}'; use another output folder`);
  }
  if (state.configHash !== opts.configHash) {
    const keys = new Set([...Object.keys(state.config ?? {}), ...Object.keys(opts.config)]);
    const differ = [...keys].filter((k) => JSON.stringify(state.config?.[k]) !== JSON.stringify(opts.config[k]));
    throw new EvolmmError(
      'CHECKPOINT',
      `cannot resume ${opts.out}: its checkpoint was made with different settings (${differ.join(', ') || 'config hash'} ` +
        `differ: ${differ.map((k) => `${k} ${JSON.stringify(state.config?.[k])} → ${JSON.stringify(opts.config[k])}`).join('; ')}); ` +
        `resume with the original settings or start a new run in another folder`,
      { details: { differ } },
    );
  }
  const lines = countLines(eventsFile);
  if (lines < state.eventLines) {
    throw new EvolmmError(
      'CHECKPOINT',
      `${eventsFile} has ${lines} complete lines but checkpoint ${latest.dir} covers ${state.eventLines}; ` +
        `the event log was edited or lost — start a new run`,
    );
  }
  const writer = JsonlWriter.open(eventsFile, { keepLines: state.eventLines });
  return { writer, eventsFile, checkpointsDir, resumed: { dir: latest.dir, state } };
}

export function readTrainerState<S extends BaseTrainerState>(dir: string): S {
  const file = path.join(dir, TRAINER_STATE_FILE);
  let state: S;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8')) as S;
  } catch (cause) {
    throw new EvolmmError('CHECKPOINT', `cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  if (state.version !== 1) throw new EvolmmError('CHECKPOINT', `${file} has unsupported version ${String(state.version)}`);
  return state;
}

function countLines(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const buf = fs.readFileSync(file);
  let n = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 0x0a) n++;
  return n;
}

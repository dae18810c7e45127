import { createHash } from 'node:crypto';
import { EvolmmError } from '../errors.js';
import { EVOLMM_DEFAULTS } from '../evolmm-defaults.js';
import { bool, int, num, oneOf, seedCheck, str, validatePlain, type Check } from './config-checks.js';
import type { ImageSource } from './image-source.js';

/** How the solver's advantages are centred. */
export type BaselineMode = 'ema' | 'group-mean';
/** How the N solver samples of one iteration are applied. */
export type SolverUpdateMode = 'per-sample' | 'batched';

/**
 * The plain (JSON/YAML-serialisable) settings of an evolve run. Every default is the paper's number from
 * EVOLMM_DEFAULTS (docs/method.md §6); the options marked "beyond the paper" are off by default.
 */
export interface EvolveConfig {
  /** Training images (docs/method.md §6.5). Required by evolve(). */
  images?: ImageSource;
  /** Run folder: events.jsonl and checkpoints/ go here. Required by evolve(). */
  out?: string;
  /** Total iterations (one image each). Default 100. */
  iterations?: number;
  /** Solver samples per question N. Default 5. */
  n?: number;
  /** Seed of the image order and of every sampling stream. Default 42. */
  seed?: number;
  /** Proposer update when iteration % k === 0; 0 never updates the proposer. Default 5. */
  proposerUpdateEvery?: number;
  /** 'ema' (paper: one EMA scalar per role) or 'group-mean' (beyond the paper: leave-one-out mean of the N rewards
   * for the solver, docs/method.md §9 D4; the proposer keeps its EMA). Default 'ema'. */
  baseline?: BaselineMode;
  /** EMA momentum m of b ← m·b + (1 − m)·r. Default 0.9. */
  baselineMomentum?: number;
  /** 'per-sample' (reference: N optimiser steps in sampling order) or 'batched' (beyond the paper: one step over
   * the N samples, mean loss). Default 'per-sample'. */
  solverUpdate?: SolverUpdateMode;
  /** false = the no-KL ablation: β fixed at 0 for both roles, the reference pass is skipped. Default true. */
  klPenalty?: boolean;
  /** Adapt β after every optimiser step (docs/method.md §6.2); false keeps β = beta0. Default true. */
  adaptiveBeta?: boolean;
  beta0?: number;
  klTarget?: number;
  klAdaptRate?: number;
  betaMin?: number;
  betaMax?: number;
  /** Passed with every optimiser step. Default 1e-6. */
  learningRate?: number;
  temperature?: number;
  /**
   * Beyond the paper: the proposer's own sampling temperature (null = `temperature`, the paper). A cooler proposer
   * keeps a small model's questions well-formed (docs/experiment.md: at T = 1 a warm-started tiny proposer stopped
   * right after `<question>` in half of its samples). Default null.
   */
  proposerTemperature?: number | null;
  topP?: number;
  topK?: number;
  solverMaxNewTokens?: number;
  proposerMaxNewTokens?: number;
  /** Checkpoint every K iterations (and after the last one). Default 50. */
  checkpointEvery?: number;
  /** Complete checkpoints kept. Default 2. */
  keepCheckpoints?: number;
  /** With a separate rollout model: call syncRollout every k iterations. Default 1. */
  rolloutSyncEvery?: number;
  /** Continue from the newest complete checkpoint in `out`. Default false. */
  resume?: boolean;
  /** Delete an existing run in `out` and start over. Default false. */
  overwrite?: boolean;
}

export type ResolvedEvolveConfig = Required<Omit<EvolveConfig, 'images' | 'out'>> & {
  images: ImageSource;
  out: string;
};

/** The loop's defaults, all taken from EVOLMM_DEFAULTS. */
export const EVOLVE_DEFAULTS: Readonly<Required<Omit<EvolveConfig, 'images' | 'out'>>> = {
  iterations: EVOLMM_DEFAULTS.iterations,
  n: EVOLMM_DEFAULTS.n,
  seed: EVOLMM_DEFAULTS.seed,
  proposerUpdateEvery: EVOLMM_DEFAULTS.proposerUpdateEvery,
  baseline: 'ema',
  baselineMomentum: EVOLMM_DEFAULTS.baselineMomentum,
  solverUpdate: 'per-sample',
  klPenalty: true,
  adaptiveBeta: true,
  beta0: EVOLMM_DEFAULTS.beta0,
  klTarget: EVOLMM_DEFAULTS.klTarget,
  klAdaptRate: EVOLMM_DEFAULTS.klAdaptRate,
  betaMin: EVOLMM_DEFAULTS.betaMin,
  betaMax: EVOLMM_DEFAULTS.betaMax,
  learningRate: EVOLMM_DEFAULTS.learningRate,
  temperature: EVOLMM_DEFAULTS.temperature,
  proposerTemperature: null,
  topP: EVOLMM_DEFAULTS.topP,
  topK: EVOLMM_DEFAULTS.topK,
  solverMaxNewTokens: EVOLMM_DEFAULTS.solverMaxNewTokens,
  proposerMaxNewTokens: EVOLMM_DEFAULTS.proposerMaxNewTokens,
  checkpointEvery: EVOLMM_DEFAULTS.checkpointEvery,
  keepCheckpoints: EVOLMM_DEFAULTS.keepLastCheckpoints,
  rolloutSyncEvery: 1,
  resume: false,
  overwrite: false,
};

const imageSource: Check = (v) => {
  if (typeof v === 'string' && v !== '') return undefined;
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return undefined;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.manifest === 'string' && Object.keys(o).length === 1) return undefined;
    if (
      typeof o.dir === 'string' &&
      Object.keys(o).every((k) => k === 'dir' || k === 'folders') &&
      (o.folders === undefined || (Array.isArray(o.folders) && o.folders.every((x) => typeof x === 'string')))
    ) {
      return undefined;
    }
  }
  return 'a folder, glob or manifest path, a non-empty list of image paths, {"dir": ..., "folders": [...]} or {"manifest": ...}';
};

const CHECKS: Record<keyof EvolveConfig, Check> = {
  images: imageSource,
  out: str,
  iterations: int(1),
  n: int(1),
  seed: seedCheck,
  proposerUpdateEvery: int(0),
  baseline: oneOf('ema', 'group-mean'),
  baselineMomentum: num(0, 1, false, true),
  solverUpdate: oneOf('per-sample', 'batched'),
  klPenalty: bool,
  adaptiveBeta: bool,
  beta0: num(0, Infinity),
  klTarget: num(0, Infinity, true),
  klAdaptRate: num(0, Infinity),
  betaMin: num(0, Infinity, true),
  betaMax: num(0, Infinity, true),
  learningRate: num(0, Infinity, true),
  temperature: num(0, Infinity),
  proposerTemperature: (v) => (v === null ? undefined : num(0, Infinity)(v)),
  topP: num(0, 1, true),
  topK: int(0),
  solverMaxNewTokens: int(1),
  proposerMaxNewTokens: int(1),
  checkpointEvery: int(1),
  keepCheckpoints: int(1),
  rolloutSyncEvery: int(1),
  resume: bool,
  overwrite: bool,
};

/** Keys an evolve config may carry. */
export const EVOLVE_CONFIG_KEYS: readonly string[] = Object.keys(CHECKS);

export interface ValidateConfigOptions {
  /** Extra top-level keys to accept and pass through untouched (e.g. the CLI's 'model' and 'rewards'). */
  readonly allowKeys?: readonly string[];
  /** Where the config came from, for messages (e.g. "evolve.yaml"). */
  readonly source?: string;
}

/**
 * Validates a plain config object (parsed from JSON or YAML, or evolve()'s options). Reports every problem at
 * once, with "did you mean" hints for misspelt keys; throws EvolmmError('INVALID_CONFIG').
 */
export function validateEvolveConfig(obj: unknown, options: ValidateConfigOptions = {}): EvolveConfig {
  return validatePlain(obj, CHECKS, {
    where: options.source ?? 'evolve config',
    allowKeys: options.allowKeys,
    extra: (rec) => {
      const problems: string[] = [];
      const val = (k: keyof typeof EVOLVE_DEFAULTS) => (rec[k] !== undefined && CHECKS[k](rec[k]) === undefined ? rec[k] : EVOLVE_DEFAULTS[k]);
      const [bMin, bMax, b0] = [val('betaMin'), val('betaMax'), val('beta0')] as number[];
      if (bMin > bMax) problems.push(`'betaMin' (${bMin}) must not exceed 'betaMax' (${bMax})`);
      if (val('klPenalty') === true && (b0 < bMin || b0 > bMax)) {
        problems.push(`'beta0' (${b0}) must lie in [betaMin, betaMax] = [${bMin}, ${bMax}]`);
      }
      if (rec.resume === true && rec.overwrite === true) problems.push(`'resume' and 'overwrite' cannot both be true`);
      return problems;
    },
  }) as EvolveConfig;
}

/** Fills every unset key with its default (after validation). */
export function resolveEvolveConfig(config: EvolveConfig): ResolvedEvolveConfig {
  validateEvolveConfig(config);
  if (config.images === undefined) {
    throw new EvolmmError('INVALID_CONFIG', `evolve needs 'images' (a folder, glob, manifest.jsonl or list of paths)`);
  }
  if (config.out === undefined) {
    throw new EvolmmError('INVALID_CONFIG', `evolve needs 'out', the run folder for events.jsonl and checkpoints/`);
  }
  const out: Record<string, unknown> = { ...EVOLVE_DEFAULTS };
  for (const k of EVOLVE_CONFIG_KEYS) {
    const v = (config as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as ResolvedEvolveConfig;
}

/** Keys that may change when a run is resumed (they do not change what an iteration computes). */
export const RESUMABLE_KEYS: readonly string[] = ['iterations', 'checkpointEvery', 'keepCheckpoints', 'resume', 'overwrite', 'out'];

/** The part of a config that must match between a checkpoint and the run resuming it. */
export function hashedConfig(config: Record<string, unknown>, skip: readonly string[] = RESUMABLE_KEYS): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(config).sort()) if (!skip.includes(k)) out[k] = config[k];
  return out;
}

/** sha256 of a canonical JSON rendering (keys sorted at every level). */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

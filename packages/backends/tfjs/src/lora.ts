import * as tf from '@tensorflow/tfjs';
import { EvolmmError, type Rng } from '@evolmm/core';

/** The projections LoRA may target in each decoder layer (docs/method.md §6.3). */
export const LORA_PROJECTIONS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LoraProjection = (typeof LORA_PROJECTIONS)[number];

export interface LoraOptions {
  /** Rank r. Default 16 (EVOLMM_DEFAULTS.loraRank). */
  rank?: number;
  /** Scale numerator: ΔW = (alpha / r)·B·A. Default 32. */
  alpha?: number;
  /** Dropout on the adapter input during `step` (never in generate or the reference pass). Default 0.05. */
  dropout?: number;
  /** Projections of the language model to adapt. Default all seven; the vision tower is never adapted (D5). */
  targetModules?: readonly string[];
  /** Adapter names. Default ['default', 'proposer'] (solver, proposer). */
  adapters?: readonly string[];
}

/**
 * One adapted projection, stored transposed for plain matMuls on wasm (see layers.ts): `a` = lora_Aᵀ [in, r]
 * (Kaiming-uniform init), `b` = lora_Bᵀ [r, out] (zero init, so a fresh adapter is the base model exactly).
 * `peftMatrices` converts to the PEFT layout A [r, in], B [out, r].
 */
export interface LoraModule {
  a: tf.Variable;
  b: tf.Variable;
}

/** PEFT-layout copies of a module's matrices: A [r, in] and B [out, r]. */
export function peftMatrices(m: LoraModule): { a: Float32Array; aShape: number[]; b: Float32Array; bShape: number[] } {
  return tf.tidy(() => {
    const a = tf.transpose(m.a);
    const b = tf.transpose(m.b);
    return { a: a.dataSync() as Float32Array, aShape: a.shape, b: b.dataSync() as Float32Array, bShape: b.shape };
  });
}

/** Sets a module from PEFT-layout A [r, in] and B [out, r]. */
export function setFromPeft(m: LoraModule, a: Float32Array, aShape: number[], b: Float32Array, bShape: number[]): void {
  tf.tidy(() => {
    m.a.assign(tf.transpose(tf.tensor2d(a, aShape as [number, number])));
    m.b.assign(tf.transpose(tf.tensor2d(b, bShape as [number, number])));
  });
}

export interface LoraAdapter {
  readonly name: string;
  readonly rank: number;
  readonly alpha: number;
  readonly dropout: number;
  readonly targets: readonly LoraProjection[];
  /** key `${layer}.${projection}` */
  readonly modules: Map<string, LoraModule>;
}

export function loraScale(a: LoraAdapter): number {
  return a.alpha / a.rank;
}

export function moduleKey(layer: number, proj: string): string {
  return `${layer}.${proj}`;
}

/** Validates target names against the language model's projections (a target that matches nothing is an error, D5). */
export function resolveTargets(targets: readonly string[]): LoraProjection[] {
  const out: LoraProjection[] = [];
  for (const t of targets) {
    const short = t.split('.').pop() as string;
    if (!(LORA_PROJECTIONS as readonly string[]).includes(short)) {
      throw new EvolmmError(
        'INVALID_ARGUMENT',
        `LoRA target '${t}' matches no language-model projection; expected some of ${LORA_PROJECTIONS.join(', ')}`,
      );
    }
    if (!out.includes(short as LoraProjection)) out.push(short as LoraProjection);
  }
  if (out.length === 0) throw new EvolmmError('INVALID_ARGUMENT', 'LoRA targetModules is empty');
  return out;
}

/** Shapes [out, in] of each projection, from the base weights. */
export type ProjectionShapes = (layer: number, proj: LoraProjection) => [number, number];

/**
 * A fresh adapter: A ~ U(−1/√in, 1/√in) (PEFT's kaiming_uniform(a=√5)), B = 0, drawn from `rng` so the same seed
 * gives the same adapter.
 */
export function createAdapter(
  name: string,
  numLayers: number,
  shapes: ProjectionShapes,
  opts: { rank: number; alpha: number; dropout: number; targets: readonly LoraProjection[] },
  rng: Rng,
): LoraAdapter {
  const modules = new Map<string, LoraModule>();
  for (let l = 0; l < numLayers; l++) {
    for (const p of opts.targets) {
      const [out, inn] = shapes(l, p);
      const bound = 1 / Math.sqrt(inn);
      const a = new Float32Array(opts.rank * inn); // drawn in PEFT order A [r, in], stored as Aᵀ
      for (let i = 0; i < a.length; i++) a[i] = (2 * rng.next() - 1) * bound;
      modules.set(moduleKey(l, p), {
        // unnamed: tfjs variable names are process-global
        a: tf.tidy(() => tf.variable(tf.transpose(tf.tensor2d(a, [opts.rank, inn])), true)),
        b: tf.tidy(() => tf.variable(tf.zeros([opts.rank, out]), true)),
      });
    }
  }
  return { name, rank: opts.rank, alpha: opts.alpha, dropout: opts.dropout, targets: opts.targets, modules };
}

export function adapterVariables(a: LoraAdapter): tf.Variable[] {
  const out: tf.Variable[] = [];
  for (const m of a.modules.values()) out.push(m.a, m.b);
  return out;
}

export function disposeAdapter(a: LoraAdapter): void {
  for (const m of a.modules.values()) {
    m.a.dispose();
    m.b.dispose();
  }
  a.modules.clear();
}

/**
 * Inverted-dropout masks for LoRA inputs, drawn from a seeded stream so training is reproducible and resumable.
 * Values are 0 or 1/(1−p).
 */
export class DropoutSource {
  constructor(
    readonly p: number,
    readonly rng: Rng,
  ) {}

  mask(shape: number[]): tf.Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const keep = 1 / (1 - this.p);
    // 32 uniform bits per element: the threshold test is exact for p given to ~2^-32.
    const thr = Math.floor(this.p * 4294967296);
    for (let i = 0; i < n; i++) data[i] = this.rng.nextUint32() >= thr ? keep : 0;
    return tf.tensor(data, shape);
  }
}

import type { ResolvedEvolveConfig } from './evolve-config.js';

/** The first line of events.jsonl: everything needed to know how the run was made. */
export interface RunStartEvent {
  readonly type: 'run_start';
  readonly kind: 'evolve';
  readonly version: 1;
  readonly time: string;
  readonly config: ResolvedEvolveConfig;
  readonly configHash: string;
  readonly images: { readonly count: number; readonly hash: string };
  readonly policy: { readonly id: string; readonly adapters: readonly string[] };
  readonly rolloutModel: string | null;
  readonly rewards: { readonly solver: string; readonly proposer: string };
}

/** One optimiser step of one role. Arrays hold one entry per sample in the step (1 unless solverUpdate 'batched'). */
export interface RoleStepRecord {
  /** Indices of the solver samples in this step (the proposer's single sample is [0]). */
  readonly samples: number[];
  readonly rewards: number[];
  readonly baselines: number[];
  /** r − b per sample. */
  readonly advantages: number[];
  readonly nll: number[];
  readonly kl: number[];
  /** β used in this step and β after the adaptation that followed it. */
  readonly beta: number;
  readonly betaAfter: number;
  /** The role's EMA baseline after this step's rewards were folded in. */
  readonly emaAfter: number;
  readonly loss: number;
  readonly gradNorm: number;
  readonly tokens: number;
}

export interface RoleSummary {
  readonly baselineBefore: number;
  readonly baselineAfter: number;
  readonly betaBefore: number;
  readonly betaAfter: number;
  /** Means over the role's steps this iteration (null when it did not update). */
  readonly nll: number | null;
  readonly kl: number | null;
  readonly loss: number | null;
  readonly gradNorm: number | null;
  readonly steps: RoleStepRecord[];
}

/** One line per iteration (docs/method.md §6.6 plus the per-role update records). */
export interface IterationEvent {
  readonly type: 'iteration';
  readonly iteration: number;
  readonly image: string;
  /** Position in the sorted image list. */
  readonly imageIndex: number;
  /** Images tried first for this iteration and skipped because they failed to load. */
  readonly skippedImages: { image: string; error: string }[];
  readonly proposer: RoleSummary & {
    readonly output: string;
    readonly question: string;
    readonly rationale: string | null;
    /** Whether the output carried a complete <question> tag (false = malformed proposal, still used). */
    readonly tagged: boolean;
    readonly finishReason: 'stop' | 'length';
    readonly tokens: number;
    readonly reward: number;
    readonly rewardComponents: Record<string, number> | null;
    readonly updated: boolean;
    readonly advantage: number | null;
  };
  readonly solver: RoleSummary & {
    readonly outputs: string[];
    readonly answers: string[];
    readonly normalized: string[];
    readonly finishReasons: ('stop' | 'length')[];
    readonly tokens: number[];
    /** w_i of the length penalty: words before the first <answer> (docs/method.md §4). */
    readonly preAnswerWords: number[];
    /** 1 when the normalised answer equals the majority (the reference's `solver_rewards_raw`), else 0. */
    readonly majorityVote: number[];
    readonly rewards: number[];
    readonly rewardComponents: (Record<string, number> | null)[];
    /** r_i − b_i per sample, in sampling order. */
    readonly advantages: number[];
  };
  readonly histogram: [string, number][];
  readonly majority: string;
  readonly majorityCount: number;
  readonly majorityFraction: number;
  readonly entropy: number;
  readonly distinctAnswers: number;
  /** Cumulative optimiser steps per role. */
  readonly updates: { readonly solver: number; readonly proposer: number };
  /** Milliseconds; the only non-deterministic fields besides `time`. */
  readonly timings: Record<string, number>;
  readonly time: string;
}

export type EvolveEvent = RunStartEvent | IterationEvent;

/** What evolve() reports while it runs (the CLI feeds it to a ProgressReporter). */
export type EvolveProgressEvent =
  | { readonly type: 'start'; readonly iteration: number; readonly total: number; readonly resumedFrom: string | null }
  | { readonly type: 'iteration'; readonly iteration: number; readonly total: number; readonly event: IterationEvent }
  | { readonly type: 'image_skipped'; readonly iteration: number; readonly image: string; readonly error: string }
  | { readonly type: 'checkpoint'; readonly iteration: number; readonly dir: string }
  | { readonly type: 'done'; readonly iteration: number; readonly total: number };

import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeJsonAtomic } from '../atomic-write.js';
import { EvolmmError, throwIfAborted } from '../errors.js';
import { readJsonl } from '../event-log.js';
import { solverPrompt } from '../evolmm-prompts.js';
import { createRng, permutation } from '../rng.js';
import type { ChatMessage } from '../spec/model.js';
import type { TrainablePolicy } from '../spec/policy.js';
import { writeCheckpoint } from '../evolve/checkpoint.js';
import { bool, int, num, seedCheck, str, validatePlain, type Check } from '../evolve/config-checks.js';
import { hashedConfig, stableHash } from '../evolve/evolve-config.js';
import { openRun, POLICY_DIR, TRAINER_STATE_FILE, type BaseTrainerState } from '../evolve/run-dir.js';
import { metricTrend, type MetricTrend } from '../evolve/run-summary.js';
import { readSftManifest, renderTarget, type SftRecord } from './sft-data.js';

/** Plain (JSON/YAML) settings of a supervised fine-tuning run. */
export interface SftConfig {
  /** A manifest.jsonl of {image, question, answer} lines, or the records themselves. Required. */
  data?: string | readonly SftRecord[];
  /** Run folder (events.jsonl, checkpoints/). Required. */
  out?: string;
  /** Passes over the data. Default 1. */
  epochs?: number;
  /** Seed of the per-epoch shuffles. Default 42. */
  seed?: number;
  /** Shuffle every epoch with permutation(createRng(seed, epoch)). Default true. */
  shuffle?: boolean;
  /** The adapter trained. Default 'default' (the solver). */
  adapter?: string;
  /** The completion trained on; `{answer}` and `{question}` are filled in. Default '<answer>{answer}</answer>'. */
  targetTemplate?: string;
  /** Default 1e-4 (supervised warm-starts need far more than evolve's 1e-6). */
  learningRate?: number;
  /** NLL multiplier of every sample. Default 1. */
  advantage?: number;
  /** KL coefficient against the adapter-free model. Default 0 (plain SFT). */
  beta?: number;
  /** Stop after this many steps (0 = run all epochs). Default 0. */
  maxSteps?: number;
  /** Checkpoint every K steps (and after the last). Default 50. */
  checkpointEvery?: number;
  keepCheckpoints?: number;
  resume?: boolean;
  overwrite?: boolean;
}

export const SFT_DEFAULTS = {
  epochs: 1,
  seed: 42,
  shuffle: true,
  adapter: 'default',
  targetTemplate: '<answer>{answer}</answer>',
  learningRate: 1e-4,
  advantage: 1,
  beta: 0,
  maxSteps: 0,
  checkpointEvery: 50,
  keepCheckpoints: 2,
  resume: false,
  overwrite: false,
} as const;

const CHECKS: Record<keyof SftConfig, Check> = {
  data: (v) =>
    (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0)
      ? undefined
      : 'a manifest.jsonl path or a non-empty list of {image, question, answer}',
  out: str,
  epochs: int(1),
  seed: seedCheck,
  shuffle: bool,
  adapter: str,
  targetTemplate: (v) => (typeof v === 'string' && v.includes('{answer}') ? undefined : "a string containing '{answer}'"),
  learningRate: num(0, Infinity, true),
  advantage: num(-Infinity, Infinity),
  beta: num(0, Infinity),
  maxSteps: int(0),
  checkpointEvery: int(1),
  keepCheckpoints: int(1),
  resume: bool,
  overwrite: bool,
};

/** Validates a plain SFT config (from JSON/YAML) with did-you-mean hints; throws INVALID_CONFIG. */
export function validateSftConfig(obj: unknown, options: { allowKeys?: readonly string[]; source?: string } = {}): SftConfig {
  return validatePlain(obj, CHECKS, {
    where: options.source ?? 'sft config',
    allowKeys: options.allowKeys,
    extra: (rec) => (rec.resume === true && rec.overwrite === true ? [`'resume' and 'overwrite' cannot both be true`] : []),
  }) as SftConfig;
}

export interface SftOptions extends SftConfig {
  readonly policy: TrainablePolicy;
  /** The prompt text for a record (the image is always sent first). Default: the EvoLMM solver prompt. */
  readonly prompt?: (record: SftRecord) => string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: SftProgressEvent) => void;
}

export interface SftStepEvent {
  readonly type: 'step';
  readonly step: number;
  /** 0-based epoch and index of the record in the data. */
  readonly epoch: number;
  readonly index: number;
  readonly image: string;
  readonly question: string;
  readonly answer: string;
  readonly target: string;
  readonly tokens: number;
  readonly loss: number;
  readonly nll: number;
  readonly kl: number;
  readonly gradNorm: number;
  readonly beta: number;
  readonly timings: Record<string, number>;
  readonly time: string;
}

export type SftProgressEvent =
  | { readonly type: 'start'; readonly step: number; readonly total: number; readonly resumedFrom: string | null }
  | { readonly type: 'step'; readonly step: number; readonly total: number; readonly event: SftStepEvent }
  | { readonly type: 'checkpoint'; readonly step: number; readonly dir: string }
  | { readonly type: 'done'; readonly step: number; readonly total: number };

export interface SftResult {
  readonly out: string;
  readonly eventsFile: string;
  readonly steps: number;
  readonly lastCheckpoint: string | null;
  readonly resumedFrom: string | null;
  /** NLL over the run: mean, first tenth, last tenth. */
  readonly nll: MetricTrend;
}

interface SftTrainerState extends BaseTrainerState {
  readonly kind: 'sft';
  readonly records: { readonly count: number; readonly hash: string };
  readonly meta: { readonly policy: string; readonly time: string };
}

const NON_CONFIG = ['policy', 'prompt', 'signal', 'onProgress'];

function imageLabel(image: SftRecord['image']): string {
  return typeof image === 'string' ? image : image instanceof URL ? image.href : '<inline image>';
}

/**
 * Supervised fine-tuning over a TrainablePolicy: for each record, prompt = [image, solverPrompt(question)], target =
 * the template's text + the end-of-turn token, one optimiser step with advantage 1 and β 0 (configurable). Same
 * event log, crash-safe checkpoints and resume as evolve().
 */
export async function sft(options: SftOptions): Promise<SftResult> {
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (!NON_CONFIG.includes(k)) plain[k] = v;
  validateSftConfig(plain, { source: 'sft options' });
  if (plain.data === undefined) throw new EvolmmError('INVALID_CONFIG', `sft needs 'data' (a manifest.jsonl of {image, question, answer})`);
  if (plain.out === undefined) throw new EvolmmError('INVALID_CONFIG', `sft needs 'out', the run folder`);
  const config = { ...SFT_DEFAULTS, ...Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined)) } as Required<SftConfig> &
    typeof SFT_DEFAULTS;
  const { policy, signal, onProgress } = options;
  if (!policy.adapters.includes(config.adapter)) {
    throw new EvolmmError('INVALID_ARGUMENT', `sft trains adapter '${config.adapter}' but ${policy.id} has [${policy.adapters.join(', ')}]`);
  }
  const records = typeof config.data === 'string' ? readSftManifest(config.data) : [...config.data];
  const recordsHash = stableHash(records.map((r) => [imageLabel(r.image), r.question, r.answer]));
  const promptOf = options.prompt ?? ((r: SftRecord) => solverPrompt(r.question));
  const total = config.maxSteps > 0 ? Math.min(config.maxSteps, config.epochs * records.length) : config.epochs * records.length;

  const loggable = { ...config, data: typeof config.data === 'string' ? config.data : `<${records.length} records>` };
  const hashed = { ...hashedConfig(loggable, ['epochs', 'maxSteps', 'checkpointEvery', 'keepCheckpoints', 'resume', 'overwrite', 'out', 'data']), recordsHash };
  const configHash = stableHash(hashed);
  const run = openRun<SftTrainerState>({ out: config.out, kind: 'sft', resume: config.resume, overwrite: config.overwrite, configHash, config: hashed });
  const { writer } = run;
  let lastCheckpoint: string | null = null;
  try {
    let step = 0;
    let eventLines = 0;
    if (run.resumed) {
      await policy.loadCheckpoint(path.join(run.resumed.dir, POLICY_DIR));
      step = run.resumed.state.step;
      eventLines = run.resumed.state.eventLines;
      lastCheckpoint = run.resumed.dir;
    } else {
      writer.append({
        type: 'run_start',
        kind: 'sft',
        version: 1,
        time: new Date().toISOString(),
        config: loggable,
        configHash,
        records: { count: records.length, hash: recordsHash },
        policy: { id: policy.id, adapters: [...policy.adapters] },
      });
      eventLines = 1;
    }
    onProgress?.({ type: 'start', step, total, resumedFrom: run.resumed?.dir ?? null });
    // Stateless per-epoch order: resuming needs only the step counter.
    const orders = new Map<number, number[]>();
    const orderOf = (epoch: number) => {
      if (!orders.has(epoch)) {
        orders.clear();
        orders.set(epoch, config.shuffle ? permutation(records.length, createRng(config.seed, epoch)) : records.map((_, i) => i));
      }
      return orders.get(epoch)!;
    };
    const eot = policy.endOfTurnTokenId;
    for (let s = step + 1; s <= total; s++) {
      throwIfAborted(signal, 'sft');
      const t0 = performance.now();
      const epoch = Math.floor((s - 1) / records.length);
      const index = orderOf(epoch)[(s - 1) % records.length];
      const rec = records[index];
      const target = renderTarget(config.targetTemplate, rec);
      const messages: ChatMessage[] = [{ role: 'user', content: [{ type: 'image', image: rec.image }, { type: 'text', text: promptOf(rec) }] }];
      // Train on exactly what the model should emit, end-of-turn included (docs/method.md §9 D7).
      const tokenIds = [...policy.encode(target), eot];
      let st;
      try {
        st = await policy.step({
          adapter: config.adapter,
          messages,
          samples: [{ tokenIds, advantage: config.advantage }],
          beta: config.beta,
          learningRate: config.learningRate,
        });
      } catch (cause) {
        if (EvolmmError.isInstance(cause)) throw cause;
        throw new EvolmmError('INTERNAL', `sft step ${s} (record ${index}, image ${imageLabel(rec.image)}) failed: ${(cause as Error).message}`, { cause });
      }
      const event: SftStepEvent = {
        type: 'step',
        step: s,
        epoch,
        index,
        image: imageLabel(rec.image),
        question: rec.question,
        answer: rec.answer,
        target,
        tokens: tokenIds.length,
        loss: st.loss,
        nll: st.nll[0],
        kl: st.kl[0],
        gradNorm: st.gradNorm,
        beta: config.beta,
        timings: { step: Math.round((performance.now() - t0) * 10) / 10 },
        time: new Date().toISOString(),
      };
      writer.append(event);
      eventLines++;
      onProgress?.({ type: 'step', step: s, total, event });
      if (s % config.checkpointEvery === 0 || s === total) {
        const state: SftTrainerState = {
          version: 1,
          kind: 'sft',
          step: s,
          eventLines,
          configHash,
          config: hashed,
          records: { count: records.length, hash: recordsHash },
          meta: { policy: policy.id, time: new Date().toISOString() },
        };
        lastCheckpoint = await writeCheckpoint(
          run.checkpointsDir,
          s,
          async (dir) => {
            await policy.saveCheckpoint(path.join(dir, POLICY_DIR));
            writeJsonAtomic(path.join(dir, TRAINER_STATE_FILE), state);
          },
          { keep: config.keepCheckpoints },
        );
        onProgress?.({ type: 'checkpoint', step: s, dir: lastCheckpoint });
      }
      step = s;
    }
    onProgress?.({ type: 'done', step, total });
    writer.close();
    const steps = readJsonl<{ type: string; nll: number }>(run.eventsFile).filter((e) => e.type === 'step');
    return {
      out: config.out,
      eventsFile: run.eventsFile,
      steps: step,
      lastCheckpoint,
      resumedFrom: run.resumed?.dir ?? null,
      nll: metricTrend(steps.map((e) => e.nll)),
    };
  } finally {
    writer.close();
  }
}

import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeJsonAtomic } from '../atomic-write.js';
import { EvolmmError, throwIfAborted } from '../errors.js';
import { readJsonl } from '../event-log.js';
import { PROPOSER_PROMPT, solverPrompt } from '../evolmm-prompts.js';
import { extractTag, parseAnswer, parseQuestion, parseRationale, preAnswerWordCount } from '../evolmm-tags.js';
import { normalizeAnswer } from '../normalize-answer.js';
import { deriveSeed } from '../rng.js';
import type { ChatMessage, Completion, GenerateRequest, VisionLanguageModel } from '../spec/model.js';
import type { PolicySample, StepStats, TrainablePolicy } from '../spec/policy.js';
import type { RewardGroup, RewardPlugin, RewardResult } from '../spec/reward.js';
import { adaptBeta } from './adaptive-beta.js';
import { answerStats } from './answer-stats.js';
import { emaUpdate, leaveOneOutBaselines } from './baseline.js';
import { writeCheckpoint } from './checkpoint.js';
import {
  hashedConfig,
  resolveEvolveConfig,
  stableHash,
  validateEvolveConfig,
  type EvolveConfig,
  type ResolvedEvolveConfig,
} from './evolve-config.js';
import type { EvolveEvent, EvolveProgressEvent, IterationEvent, RoleStepRecord, RunStartEvent } from './evolve-events.js';
import { imageOrder, resolveImageSource } from './image-source.js';
import { openRun, POLICY_DIR, TRAINER_STATE_FILE, type BaseTrainerState } from './run-dir.js';
import { summarizeRun, type RunSummary } from './run-summary.js';

/** The adapter names of the two roles (docs/method.md §1). */
export const SOLVER_ADAPTER = 'default';
export const PROPOSER_ADAPTER = 'proposer';
/** Stream indices of deriveSeed(seed, iteration, role). */
const ROLE_STREAM = { proposer: 0, solver: 1 } as const;

export interface EvolveOptions extends EvolveConfig {
  /** The model being trained: holds the 'default' (solver) and 'proposer' adapters. */
  readonly policy: TrainablePolicy;
  /** Scores the N solver outputs: group.question, group.completions (N raw outputs), group.answers (parsed). */
  readonly solverReward: RewardPlugin;
  /** Scores the proposal: group.completions = [proposer output], group.metadata.solverCompletions = N outputs. */
  readonly proposerReward: RewardPlugin;
  /**
   * Beyond the paper: generate with another model (an ONNX export, an OpenAI-compatible server) that shares the
   * policy's tokenizer; it receives the same `adapter` field. Keep it in step with `syncRollout`.
   */
  readonly rolloutModel?: VisionLanguageModel;
  /**
   * Called after the updates of every `rolloutSyncEvery`-th iteration (e.g. export adapters and reload them), and
   * once right after a resume restored the policy (with the checkpoint's iteration).
   */
  readonly syncRollout?: (policy: TrainablePolicy, iteration: number) => void | Promise<void>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: EvolveProgressEvent) => void;
}

export interface EvolveResult {
  readonly out: string;
  readonly eventsFile: string;
  /** Iterations completed in total (including those before a resume). */
  readonly iterations: number;
  readonly lastCheckpoint: string | null;
  readonly resumedFrom: string | null;
  readonly summary: RunSummary;
}

interface RoleState {
  solver: number;
  proposer: number;
}

export interface EvolveTrainerState extends BaseTrainerState {
  readonly kind: 'evolve';
  /** Images consumed so far (failed loads included): the next image is order[cursor mod count]. */
  readonly cursor: number;
  readonly images: { readonly count: number; readonly hash: string; readonly orderSeed: number };
  readonly baselines: RoleState;
  readonly betas: RoleState;
  readonly updates: RoleState;
  /** The loop draws no stateful randomness: every sampling seed is deriveSeed(seed, iteration, role). */
  readonly rng: { readonly scheme: 'deriveSeed(seed, iteration, role)'; readonly seed: number };
  readonly meta: { readonly policy: string; readonly adapters: readonly string[]; readonly time: string };
}

const NON_CONFIG_OPTIONS = ['policy', 'solverReward', 'proposerReward', 'rolloutModel', 'syncRollout', 'signal', 'onProgress'];

function userMessage(image: string, text: string): ChatMessage[] {
  return [{ role: 'user', content: [{ type: 'image', image }, { type: 'text', text }] }];
}

function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function ms(t0: number): number {
  return Math.round((performance.now() - t0) * 10) / 10;
}

function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted) || (EvolmmError.isInstance(err) && err.code === 'ABORTED') || (err as Error)?.name === 'AbortError';
}

async function scoreChecked(plugin: RewardPlugin, group: RewardGroup, expected: number, role: string): Promise<RewardResult[]> {
  const results = await plugin.score(group);
  if (!Array.isArray(results) || results.length !== expected) {
    throw new EvolmmError(
      'INVALID_ARGUMENT',
      `${role} reward '${plugin.name}' returned ${Array.isArray(results) ? results.length : typeof results} results for ` +
        `${expected} completions; a RewardPlugin returns one result per completion, in order`,
    );
  }
  results.forEach((r, i) => {
    if (!r || typeof r.value !== 'number' || !Number.isFinite(r.value)) {
      throw new EvolmmError('INVALID_ARGUMENT', `${role} reward '${plugin.name}' returned a non-finite value for completion ${i}: ${JSON.stringify(r)}`);
    }
  });
  return results as RewardResult[];
}

/**
 * The EvoLMM self-evolution loop (docs/method.md §6.1), over a TrainablePolicy with the 'default' (solver) and
 * 'proposer' adapters. Writes `<out>/events.jsonl` (one `run_start` line, then one line per iteration) and
 * crash-safe checkpoints under `<out>/checkpoints/`; `resume: true` continues from the newest complete one.
 */
export async function evolve(options: EvolveOptions): Promise<EvolveResult> {
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (!NON_CONFIG_OPTIONS.includes(k)) plain[k] = v;
  validateEvolveConfig(plain, { source: 'evolve options' });
  const config: ResolvedEvolveConfig = resolveEvolveConfig(plain as EvolveConfig);
  const { policy, solverReward, proposerReward, signal, onProgress } = options;
  for (const [name, v] of [['policy', policy], ['solverReward', solverReward], ['proposerReward', proposerReward]] as const) {
    if (!v) throw new EvolmmError('INVALID_ARGUMENT', `evolve needs '${name}'`);
  }
  for (const adapter of [SOLVER_ADAPTER, PROPOSER_ADAPTER]) {
    if (!policy.adapters.includes(adapter)) {
      throw new EvolmmError(
        'INVALID_ARGUMENT',
        `evolve needs a policy with the adapters '${SOLVER_ADAPTER}' (solver) and '${PROPOSER_ADAPTER}'; ` +
          `${policy.id} has [${policy.adapters.join(', ')}] — create the backend with both adapters`,
      );
    }
  }
  const roller: VisionLanguageModel = options.rolloutModel ?? policy;

  const paths = resolveImageSource(config.images);
  const imagesHash = stableHash(paths);
  const order = imageOrder(paths.length, config.seed);
  const rewardNames = { solver: solverReward.name, proposer: proposerReward.name };
  // The image list enters the hash by content (count + hash of the sorted paths), not by how it was spelled.
  const hashed = {
    ...hashedConfig(config as unknown as Record<string, unknown>),
    images: { count: paths.length, hash: imagesHash },
    rewards: rewardNames,
  };
  const configHash = stableHash(hashed);

  const run = openRun<EvolveTrainerState>({
    out: config.out,
    kind: 'evolve',
    resume: config.resume,
    overwrite: config.overwrite,
    configHash,
    config: hashed,
  });
  const { writer } = run;
  let lastCheckpoint: string | null = null;
  try {
    const betaInit = config.klPenalty ? config.beta0 : 0;
    let iteration = 0;
    let cursor = 0;
    let eventLines = 0;
    const baselines: RoleState = { solver: 0, proposer: 0 };
    const betas: RoleState = { solver: betaInit, proposer: betaInit };
    const updates: RoleState = { solver: 0, proposer: 0 };
    if (run.resumed) {
      const s = run.resumed.state;
      await policy.loadCheckpoint(path.join(run.resumed.dir, POLICY_DIR));
      iteration = s.step;
      cursor = s.cursor;
      eventLines = s.eventLines;
      Object.assign(baselines, s.baselines);
      Object.assign(betas, s.betas);
      Object.assign(updates, s.updates);
      lastCheckpoint = run.resumed.dir;
      // The rollout model still holds whatever it was created with: bring it to the restored weights first.
      if (options.syncRollout) await options.syncRollout(policy, iteration);
    } else {
      const start: RunStartEvent = {
        type: 'run_start',
        kind: 'evolve',
        version: 1,
        time: new Date().toISOString(),
        config,
        configHash,
        images: { count: paths.length, hash: imagesHash },
        policy: { id: policy.id, adapters: [...policy.adapters] },
        rolloutModel: options.rolloutModel ? options.rolloutModel.id : null,
        rewards: rewardNames,
      };
      writer.append(start);
      eventLines = 1;
    }
    onProgress?.({ type: 'start', iteration, total: config.iterations, resumedFrom: run.resumed?.dir ?? null });

    const sampling = (role: 'proposer' | 'solver', t: number): Partial<GenerateRequest> => ({
      temperature: role === 'proposer' && config.proposerTemperature !== null ? config.proposerTemperature : config.temperature,
      topP: config.topP,
      topK: config.topK,
      seed: deriveSeed(config.seed, t, ROLE_STREAM[role]),
      maxNewTokens: role === 'solver' ? config.solverMaxNewTokens : config.proposerMaxNewTokens,
      adapter: role === 'solver' ? SOLVER_ADAPTER : PROPOSER_ADAPTER,
      signal,
    });
    const adapt = (beta: number, kl: number) =>
      config.klPenalty && config.adaptiveBeta ? adaptBeta(beta, kl, config) : beta;

    const saveAt = async (t: number) => {
      const state: EvolveTrainerState = {
        version: 1,
        kind: 'evolve',
        step: t,
        eventLines,
        configHash,
        config: hashed,
        cursor,
        images: { count: paths.length, hash: imagesHash, orderSeed: config.seed },
        baselines: { ...baselines },
        betas: { ...betas },
        updates: { ...updates },
        rng: { scheme: 'deriveSeed(seed, iteration, role)', seed: config.seed },
        meta: { policy: policy.id, adapters: [...policy.adapters], time: new Date().toISOString() },
      };
      lastCheckpoint = await writeCheckpoint(
        run.checkpointsDir,
        t,
        async (dir) => {
          await policy.saveCheckpoint(path.join(dir, POLICY_DIR));
          writeJsonAtomic(path.join(dir, TRAINER_STATE_FILE), state);
        },
        { keep: config.keepCheckpoints },
      );
      onProgress?.({ type: 'checkpoint', iteration: t, dir: lastCheckpoint });
    };

    for (let t = iteration + 1; t <= config.iterations; t++) {
      throwIfAborted(signal, 'evolve');
      const tStart = performance.now();
      const timings: Record<string, number> = {};

      // §6.1 step 1–2: the image of step t; an image that fails to load is skipped for the next one.
      const skippedImages: { image: string; error: string }[] = [];
      let proposal: Completion | undefined;
      let imageIndex = -1;
      let tGen = performance.now();
      while (proposal === undefined) {
        imageIndex = order[cursor % paths.length];
        cursor++;
        try {
          const out = await roller.generate({
            messages: userMessage(paths[imageIndex], PROPOSER_PROMPT),
            n: 1,
            ...sampling('proposer', t),
          });
          if (!out[0]) throw new EvolmmError('INTERNAL', `${roller.id} returned no completion for n = 1`);
          proposal = out[0];
        } catch (err) {
          if (isAbort(err, signal)) throw err;
          const message = (err as Error)?.message ?? String(err);
          skippedImages.push({ image: paths[imageIndex], error: message });
          onProgress?.({ type: 'image_skipped', iteration: t, image: paths[imageIndex], error: message });
          if (skippedImages.length >= paths.length) {
            throw new EvolmmError('IO', `none of the ${paths.length} images could be loaded; last error: ${message}`, { cause: err });
          }
        }
      }
      const image = paths[imageIndex];
      timings.proposerGenerate = ms(tGen);

      // Malformed proposals are used as they are (parseQuestion falls back to the whole output, §2).
      const question = parseQuestion(proposal.text);
      const proposerMessages = userMessage(image, PROPOSER_PROMPT);
      const solverMessages = userMessage(image, solverPrompt(question));

      // §6.1 step 3: N solver samples.
      tGen = performance.now();
      const outputs = await roller.generate({ messages: solverMessages, n: config.n, ...sampling('solver', t) });
      if (outputs.length !== config.n) {
        throw new EvolmmError('INTERNAL', `${roller.id} returned ${outputs.length} completions for n = ${config.n}`);
      }
      timings.solverGenerate = ms(tGen);

      // §6.1 step 4: answers, statistics, rewards.
      const tReward = performance.now();
      const texts = outputs.map((o) => o.text);
      const answers = texts.map(parseAnswer);
      const normalized = answers.map(normalizeAnswer);
      const stats = answerStats(normalized);
      const solverResults = await scoreChecked(
        solverReward,
        { question, completions: texts, answers, metadata: { iteration: t, image, role: 'solver' } },
        config.n,
        'solver',
      );
      const [proposerResult] = await scoreChecked(
        proposerReward,
        {
          question,
          completions: [proposal.text],
          metadata: { iteration: t, image, role: 'proposer', solverCompletions: texts, solverAnswers: answers },
        },
        1,
        'proposer',
      );
      const rewards = solverResults.map((r) => r.value);
      timings.reward = ms(tReward);

      // §6.1 step 5: solver update(s).
      const tSolver = performance.now();
      const solverBaselineBefore = baselines.solver;
      const solverBetaBefore = betas.solver;
      const solverSteps: RoleStepRecord[] = [];
      const advantages: number[] = new Array(config.n);
      const loo = config.baseline === 'group-mean' ? leaveOneOutBaselines(rewards) : undefined;
      const runStep = async (adapter: string, messages: ChatMessage[], samples: PolicySample[], beta: number): Promise<StepStats> => {
        const stats = await policy.step({ adapter, messages, samples, beta, learningRate: config.learningRate });
        if (!stats || stats.nll.length !== samples.length || stats.kl.length !== samples.length) {
          throw new EvolmmError('INTERNAL', `${policy.id}.step returned stats for ${stats?.nll.length} samples, expected ${samples.length}`);
        }
        return stats;
      };
      const groups: number[][] =
        config.solverUpdate === 'batched' ? [rewards.map((_, i) => i)] : rewards.map((_, i) => [i]);
      for (const idx of groups) {
        const bs = idx.map((i) => (loo ? loo[i] : baselines.solver));
        const adv = idx.map((i, k) => rewards[i] - bs[k]);
        idx.forEach((i, k) => (advantages[i] = adv[k]));
        const beta = betas.solver;
        const st = await runStep(
          SOLVER_ADAPTER,
          solverMessages,
          idx.map((i, k) => ({ tokenIds: outputs[i].tokenIds, advantage: adv[k] })),
          beta,
        );
        for (const i of idx) baselines.solver = emaUpdate(baselines.solver, rewards[i], config.baselineMomentum);
        betas.solver = adapt(beta, mean(st.kl) ?? NaN);
        updates.solver++;
        solverSteps.push({
          samples: idx,
          rewards: idx.map((i) => rewards[i]),
          baselines: bs,
          advantages: adv,
          nll: [...st.nll],
          kl: [...st.kl],
          beta,
          betaAfter: betas.solver,
          emaAfter: baselines.solver,
          loss: st.loss,
          gradNorm: st.gradNorm,
          tokens: st.tokens,
        });
      }
      timings.solverStep = ms(tSolver);

      // §6.1 step 6: the proposer learns on its own schedule (its reward is logged every iteration).
      const tProposer = performance.now();
      const proposerBaselineBefore = baselines.proposer;
      const proposerBetaBefore = betas.proposer;
      const proposerSteps: RoleStepRecord[] = [];
      const proposerUpdated = config.proposerUpdateEvery > 0 && t % config.proposerUpdateEvery === 0;
      let proposerAdvantage: number | null = null;
      if (proposerUpdated) {
        const r = proposerResult.value;
        const b = baselines.proposer;
        proposerAdvantage = r - b;
        const beta = betas.proposer;
        const st = await runStep(PROPOSER_ADAPTER, proposerMessages, [{ tokenIds: proposal.tokenIds, advantage: proposerAdvantage }], beta);
        baselines.proposer = emaUpdate(b, r, config.baselineMomentum);
        betas.proposer = adapt(beta, mean(st.kl) ?? NaN);
        updates.proposer++;
        proposerSteps.push({
          samples: [0],
          rewards: [r],
          baselines: [b],
          advantages: [proposerAdvantage],
          nll: [...st.nll],
          kl: [...st.kl],
          beta,
          betaAfter: betas.proposer,
          emaAfter: baselines.proposer,
          loss: st.loss,
          gradNorm: st.gradNorm,
          tokens: st.tokens,
        });
      }
      timings.proposerStep = ms(tProposer);

      if (options.syncRollout && t % config.rolloutSyncEvery === 0) {
        const tSync = performance.now();
        await options.syncRollout(policy, t);
        timings.sync = ms(tSync);
      }

      const roleMeans = (steps: RoleStepRecord[]) => ({
        nll: mean(steps.flatMap((s) => s.nll)),
        kl: mean(steps.flatMap((s) => s.kl)),
        loss: mean(steps.map((s) => s.loss)),
        gradNorm: mean(steps.map((s) => s.gradNorm)),
      });
      timings.total = ms(tStart);
      const event: IterationEvent = {
        type: 'iteration',
        iteration: t,
        image,
        imageIndex,
        skippedImages,
        proposer: {
          output: proposal.text,
          question,
          rationale: parseRationale(proposal.text) ?? null,
          tagged: Boolean(extractTag(proposal.text.trim(), 'question')),
          finishReason: proposal.finishReason,
          tokens: proposal.tokenIds.length,
          reward: proposerResult.value,
          rewardComponents: proposerResult.components ? { ...proposerResult.components } : null,
          updated: proposerUpdated,
          advantage: proposerAdvantage,
          baselineBefore: proposerBaselineBefore,
          baselineAfter: baselines.proposer,
          betaBefore: proposerBetaBefore,
          betaAfter: betas.proposer,
          ...roleMeans(proposerSteps),
          steps: proposerSteps,
        },
        solver: {
          outputs: texts,
          answers,
          normalized,
          finishReasons: outputs.map((o) => o.finishReason),
          tokens: outputs.map((o) => o.tokenIds.length),
          preAnswerWords: texts.map(preAnswerWordCount),
          majorityVote: normalized.map((a) => (a === stats.majority ? 1 : 0)),
          rewards,
          rewardComponents: solverResults.map((r) => (r.components ? { ...r.components } : null)),
          advantages,
          baselineBefore: solverBaselineBefore,
          baselineAfter: baselines.solver,
          betaBefore: solverBetaBefore,
          betaAfter: betas.solver,
          ...roleMeans(solverSteps),
          steps: solverSteps,
        },
        histogram: stats.histogram.map(([a, c]) => [a, c]),
        majority: stats.majority,
        majorityCount: stats.majorityCount,
        majorityFraction: stats.majorityFraction,
        entropy: stats.entropy,
        distinctAnswers: stats.distinctAnswers,
        updates: { ...updates },
        timings,
        time: new Date().toISOString(),
      };
      writer.append(event);
      eventLines++;
      iteration = t;
      onProgress?.({ type: 'iteration', iteration: t, total: config.iterations, event });

      // §6.1 step 7: checkpoint every K iterations and after the last one.
      if (t % config.checkpointEvery === 0 || t === config.iterations) await saveAt(t);
    }
    onProgress?.({ type: 'done', iteration, total: config.iterations });
    writer.close();
    const events = readJsonl<EvolveEvent>(run.eventsFile);
    return {
      out: config.out,
      eventsFile: run.eventsFile,
      iterations: iteration,
      lastCheckpoint,
      resumedFrom: run.resumed?.dir ?? null,
      summary: summarizeRun(events),
    };
  } finally {
    writer.close();
  }
}


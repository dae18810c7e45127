import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  EVOLMM_DEFAULTS,
  EvolmmError,
  createRng,
  restoreRng,
  type Completion,
  type GenerateRequest,
  type PolicyBatch,
  type Rng,
  type StepStats,
  type TrainablePolicy,
} from '@evolmm/core';
import { loadConfig, loadProcessor, openWeights, type PreparedInput, type QwenVLConfig } from '@evolmm/qwen-vl';
import { AdamW, globalNorm } from './adamw.js';
import { createTfjsBackend, type TfjsBackend, type TfjsBackendPreference } from './backend.js';
import {
  ADAPTERS_DIR,
  OPTIMIZER_FILE,
  readState,
  readTensors,
  writeCheckpointAtomic,
  writeState,
  writeTensors,
} from './checkpoint.js';
import { lmLogits, promptEmbeddings, runDecoder } from './decoder.js';
import { generatePrepared } from './generate.js';
import {
  DropoutSource,
  LORA_PROJECTIONS,
  adapterVariables,
  createAdapter,
  disposeAdapter,
  moduleKey,
  resolveTargets,
  peftMatrices,
  setFromPeft,
  type LoraAdapter,
  type LoraOptions,
  type LoraProjection,
} from './lora.js';
import { ModelCore } from './model-core.js';
import { inDim, outDim, type WeightLayout } from './frozen-matrix.js';
import { mergeAdapterInto, peftKey, readAdapterPeft, saveAdapterPeft, splitKey } from './peft.js';
import { assertStepFitsWasmHeap } from './step-memory.js';
import { ReplicaPool, splitByTokens, type ShardRequest, type ShardResult } from './data-parallel.js';
import { shardGradients, type GroupResult } from './train-step.js';
import { disposeWeights, loadTextWeights, loadVisionWeights, type ModelWeights } from './weights.js';

export interface TfjsModelOptions {
  /** tfjs backend (see createTfjsBackend). Default 'auto'. */
  backend?: TfjsBackendPreference;
  threads?: number;
  /** LoRA adapters; `false` loads the base model only (generation, no training). Defaults: EVOLMM_DEFAULTS. */
  lora?: LoraOptions | false;
  /** Seeds LoRA init, the dropout stream and the seeds of requests without one. Default 42. */
  seed?: number;
  /** AdamW learning rate; a batch's `learningRate` overrides it. Default 1e-6. */
  learningRate?: number;
  /** AdamW decoupled weight decay. Default 0.01. */
  weightDecay?: number;
  adamBeta1?: number;
  adamBeta2?: number;
  adamEpsilon?: number;
  /** Global gradient-norm clip over the stepped adapter. Default 1.0; 0 disables. */
  gradClip?: number;
  /** Optimizer update every k `step` calls (gradients averaged over the k calls). Default 1. */
  gradientAccumulationSteps?: number;
  /** Samples per forward/backward inside one step (gradients are summed); bounds activation memory. Default all. */
  microBatchSize?: number;
  /** Completion positions per loss-head chunk (the head also walks the vocabulary in blocks). Default 256. */
  lossChunkTokens?: number;
  /**
   * Activation recomputation: each decoder layer keeps only its inputs for the backward pass and re-runs itself
   * there (about one extra forward per step, activation memory of one layer instead of all). Default false.
   */
  recompute?: boolean;
  /**
   * Frozen-weight layout (frozen-matrix.ts): 'fast' (plain matMuls, ~10× faster on wasm, but XNNPACK keeps a
   * packed copy: 2× weight memory), 'compact' (no copy, slow kernels), or 'auto' (default): 'fast' unless twice the
   * weights plus 1.5 GB exceed the 4 GB wasm heap; always 'fast' on native backends.
   */
  weightLayout?: WeightLayout | 'auto';
  /** Print the selected tfjs backend. Default true. */
  logBackend?: boolean;
  /**
   * Replicas that share each `step` (data parallelism): the calling thread plus `dataParallel − 1` worker threads,
   * each with its own copy of the weights (memory × n) and, on wasm, its own 4 GB heap. A step's samples are split
   * into contiguous shards of about equal tokens and the gradient sums are added, so the update equals the
   * single-thread one up to float rounding (with LoRA dropout, each shard draws its own masks). Worth it when a step
   * has at least as many samples as replicas; wasm runs one thread per isolate, so use the machine's core count.
   * Default 1.
   */
  dataParallel?: number;
}

interface AccumState {
  grads: tf.Tensor[] | null;
  count: number;
}

/** Qwen2-VL / Qwen2.5-VL in TensorFlow.js: generation and LoRA policy-gradient training (TrainablePolicy). */
export class TfjsQwenModel implements TrainablePolicy {
  readonly specificationVersion = 'v1' as const;
  readonly id: string;
  private readonly optimizers = new Map<string, AdamW>();
  private readonly accum = new Map<string, AccumState>();
  private dropoutRng: Rng;
  private seedRng: Rng;
  private disposed = false;

  /** @internal use loadTfjsModel */
  constructor(
    readonly dir: string,
    readonly backend: TfjsBackend,
    readonly core: ModelCore,
    private readonly opts: TfjsModelOptions,
    private readonly replicas: ReplicaPool | null = null,
  ) {
    this.id = `tfjs:${dir}`;
    const seed = opts.seed ?? EVOLMM_DEFAULTS.seed;
    this.dropoutRng = createRng(seed, 1);
    this.seedRng = createRng(seed, 2);
  }

  get config(): QwenVLConfig {
    return this.core.cfg;
  }

  get adapters(): readonly string[] {
    return [...this.core.adapters.keys()];
  }

  get endOfTurnTokenId(): number {
    return this.core.processor.endOfTurnTokenId;
  }

  encode(text: string): number[] {
    return this.core.processor.tokenizer.encode(text);
  }

  /** Renders and tokenizes a prompt with the generation prompt appended (images expanded, rope index computed). */
  prepare(messages: GenerateRequest['messages']): Promise<PreparedInput> {
    return this.core.processor.prepare(messages, { addGenerationPrompt: true });
  }

  async generate(req: GenerateRequest): Promise<Completion[]> {
    this.assertLive();
    const prepared = await this.prepare(req.messages);
    return this.generatePrepared(prepared, req);
  }

  /** `generate` for an already prepared prompt (benchmarks, parity tests). */
  generatePrepared(prepared: PreparedInput, req: Omit<GenerateRequest, 'messages'>): Promise<Completion[]> {
    this.assertLive();
    return generatePrepared(this.core, prepared, req, () => this.seedRng.nextUint32());
  }

  /**
   * Logits [seq·vocab] (row-major [seq, vocab]) of one full forward pass over a prepared input, with the named
   * adapter ('default' when omitted, 'none' for the base model).
   */
  async forwardLogits(prepared: PreparedInput, opts: { adapter?: string } = {}): Promise<Float32Array> {
    this.assertLive();
    const lora = this.core.resolveAdapter(opts.adapter);
    const visual = this.core.visualFeatures(prepared);
    const logits = tf.tidy(() => {
      const x = promptEmbeddings(this.core.weights.text, prepared.inputIds, this.core.cfg.imageTokenId, visual);
      const { cos, sin } = this.core.promptRope(prepared);
      const out = runDecoder(this.core.weights.text, { x, cos, sin, lora }, this.core.cfg.text);
      return lmLogits(this.core.weights.text, out.hidden, this.core.cfg.text);
    });
    const data = (await logits.data()) as Float32Array;
    logits.dispose();
    return data;
  }

  async step(batch: PolicyBatch): Promise<StepStats> {
    this.assertLive();
    const prepared = await this.prepare(batch.messages);
    return this.stepPrepared(prepared, batch);
  }

  /** `step` for an already prepared prompt. */
  async stepPrepared(prepared: PreparedInput, batch: Omit<PolicyBatch, 'messages'>): Promise<StepStats> {
    this.assertLive();
    const t0 = performance.now();
    const adapter = this.trainableAdapter(batch.adapter);
    if (batch.samples.length === 0) throw new EvolmmError('INVALID_ARGUMENT', 'step() needs at least one sample');
    if (!(batch.beta >= 0)) throw new EvolmmError('INVALID_ARGUMENT', `beta must be ≥ 0, got ${batch.beta}`);
    const vars = adapterVariables(adapter);
    const S = batch.samples.length;
    const micro = Math.max(1, Math.min(S, this.opts.microBatchSize ?? S));
    const lossChunk = Math.max(1, this.opts.lossChunkTokens ?? 256);
    const recompute = this.opts.recompute ?? false;
    if (this.backend.name === 'wasm') {
      const layout = this.core.weights.text.lmHead.layout;
      // 'fast' weights also have XNNPACK's packed copies, which tf.memory() does not count.
      const live = tf.memory().numBytes * (layout === 'fast' ? 2 : 1);
      assertStepFitsWasmHeap(this.core.cfg.text, live, {
        promptTokens: prepared.inputIds.length,
        microBatch: micro,
        completionTokens: Math.max(...batch.samples.map((x) => x.tokenIds.length)),
        recompute,
        layout,
        lossChunk,
      });
    }
    const shard = { adapter, vars, beta: batch.beta, totalSamples: S, lossChunk, recompute, microBatch: micro };
    let r: GroupResult;
    if (this.replicas && S > 1) r = await this.parallelGradients(prepared, batch.samples, shard);
    else {
      const dropout = adapter.dropout > 0 ? new DropoutSource(adapter.dropout, this.dropoutRng) : undefined;
      r = shardGradients(this.core, prepared, batch.samples, { ...shard, dropout });
    }
    const gradNorm = globalNorm(r.grads);
    this.accumulate(adapter, vars, r.grads, batch.learningRate);
    return { loss: r.loss, nll: r.nll, kl: r.kl, gradNorm, tokens: r.tokens, ms: performance.now() - t0 };
  }

  /**
   * The step's gradient with the samples split over this thread and the worker replicas (data-parallel.ts). The
   * workers get the adapter's current values with each request; this thread computes the first shard meanwhile.
   */
  private async parallelGradients(
    prepared: PreparedInput,
    samples: PolicyBatch['samples'],
    shard: Omit<Parameters<typeof shardGradients>[3], 'dropout'>,
  ): Promise<GroupResult> {
    const { adapter, vars } = shard;
    const ranges = splitByTokens(samples, 1 + this.replicas!.workers.length);
    const seeds = ranges.map(() => (adapter.dropout > 0 ? this.dropoutRng.nextUint32() : null));
    const dropoutFor = (i: number) => (seeds[i] === null ? undefined : new DropoutSource(adapter.dropout, createRng(seeds[i]!)));
    const remote = ranges.slice(1).map(([a, b], i) => {
      const req: ShardRequest = {
        adapter: {
          name: adapter.name,
          rank: adapter.rank,
          alpha: adapter.alpha,
          dropout: adapter.dropout,
          targets: adapter.targets,
          values: vars.map((v) => (v.dataSync() as Float32Array).slice()),
        },
        prepared,
        samples: samples.slice(a, b),
        beta: shard.beta,
        totalSamples: shard.totalSamples,
        dropoutSeed: seeds[i + 1],
        lossChunk: shard.lossChunk,
        recompute: shard.recompute,
        microBatch: shard.microBatch,
      };
      return this.replicas!.workers[i].run(req);
    });
    // Keep a rejected worker from being reported as unhandled while this thread computes its own shard.
    const settled = Promise.allSettled(remote);
    const local = shardGradients(this.core, prepared, samples.slice(ranges[0][0], ranges[0][1]), { ...shard, dropout: dropoutFor(0) });
    const results = await settled;
    const failed = results.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) {
      tf.dispose(local.grads);
      throw failed.reason;
    }
    const parts = results.map((x) => (x as PromiseFulfilledResult<ShardResult>).value);
    const grads = tf.tidy(() => local.grads.map((g, i) => parts.reduce((acc, p) => tf.add(acc, tf.tensor(p.grads[i], g.shape)), g)));
    tf.dispose(local.grads);
    return {
      grads,
      loss: parts.reduce((s, p) => s + p.loss, local.loss),
      nll: [...local.nll, ...parts.flatMap((p) => p.nll)],
      kl: [...local.kl, ...parts.flatMap((p) => p.kl)],
      tokens: parts.reduce((s, p) => s + p.tokens, local.tokens),
    };
  }

  /**
   * @internal A data-parallel replica's work (step-worker.ts): take the adapter's values from the snapshot, then
   * return the shard's gradient sums as arrays.
   */
  replicaShard(req: ShardRequest): ShardResult {
    this.assertLive();
    const adapter = this.adoptSnapshot(req.adapter);
    const vars = adapterVariables(adapter);
    const dropout = req.dropoutSeed === null ? undefined : new DropoutSource(req.adapter.dropout, createRng(req.dropoutSeed));
    const r = shardGradients(this.core, req.prepared, req.samples, {
      adapter,
      vars,
      beta: req.beta,
      totalSamples: req.totalSamples,
      dropout,
      lossChunk: req.lossChunk,
      recompute: req.recompute,
      microBatch: req.microBatch,
    });
    const grads = r.grads.map((g) => new Float32Array(g.dataSync() as Float32Array));
    tf.dispose(r.grads);
    return { grads, loss: r.loss, nll: r.nll, kl: r.kl, tokens: r.tokens };
  }

  /** Sets adapter `snap.name` to the snapshot's values, re-creating it when its structure differs. */
  private adoptSnapshot(snap: ShardRequest['adapter']): LoraAdapter {
    let a = this.core.adapters.get(snap.name);
    const fits = (x: LoraAdapter) =>
      x.rank === snap.rank &&
      x.alpha === snap.alpha &&
      x.targets.join() === snap.targets.join() &&
      adapterVariables(x).every((v, i) => v.size === snap.values[i]?.length);
    if (!a || !fits(a)) {
      if (a) disposeAdapter(a);
      const shapes = (l: number, p: LoraProjection) => projectionShape(this.core.weights, l, p);
      a = createAdapter(snap.name, this.core.cfg.text.numHiddenLayers, shapes, snap, createRng(0));
      this.core.adapters.set(snap.name, a);
      if (!fits(a)) throw new EvolmmError('INTERNAL', `adapter ${snap.name}: replica structure differs from the snapshot`);
    }
    const vars = adapterVariables(a);
    tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(snap.values[i], v.shape))));
    return a;
  }

  private accumulate(adapter: LoraAdapter, vars: tf.Variable[], grads: tf.Tensor[], lr: number | undefined): void {
    const k = Math.max(1, this.opts.gradientAccumulationSteps ?? 1);
    const acc = this.accum.get(adapter.name) ?? { grads: null, count: 0 };
    if (acc.grads) {
      const next = acc.grads.map((a, i) => tf.add(a, grads[i]));
      tf.dispose([...acc.grads, ...grads]);
      acc.grads = next;
    } else acc.grads = grads;
    acc.count += 1;
    this.accum.set(adapter.name, acc);
    if (acc.count < k) return;
    const applied = tf.tidy(() => {
      const mean = acc.grads!.map((g) => (acc.count > 1 ? tf.div(g, acc.count) : g.clone()));
      const norm = globalNorm(mean);
      const clip = this.opts.gradClip ?? EVOLMM_DEFAULTS.gradClip;
      // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
      const coef = clip > 0 ? Math.min(1, clip / (norm + 1e-6)) : 1;
      return coef < 1 ? mean.map((g) => tf.mul(g, coef)) : mean;
    });
    tf.dispose(acc.grads);
    acc.grads = null;
    acc.count = 0;
    this.optimizer(adapter, vars).apply(applied, lr ?? this.opts.learningRate ?? EVOLMM_DEFAULTS.learningRate);
    tf.dispose(applied);
  }

  private optimizer(adapter: LoraAdapter, vars: tf.Variable[]): AdamW {
    let o = this.optimizers.get(adapter.name);
    if (!o) {
      o = new AdamW(vars, {
        beta1: this.opts.adamBeta1 ?? EVOLMM_DEFAULTS.adamBeta1,
        beta2: this.opts.adamBeta2 ?? EVOLMM_DEFAULTS.adamBeta2,
        eps: this.opts.adamEpsilon ?? EVOLMM_DEFAULTS.adamEpsilon,
        weightDecay: this.opts.weightDecay ?? EVOLMM_DEFAULTS.weightDecay,
      });
      this.optimizers.set(adapter.name, o);
    }
    return o;
  }

  private trainableAdapter(name: string): LoraAdapter {
    const a = this.core.adapters.get(name);
    if (!a) {
      const known = this.adapters;
      throw new EvolmmError(
        'INVALID_ARGUMENT',
        `cannot step adapter '${name}': ${known.length ? `this model has ${known.join(', ')}` : 'the model was loaded without LoRA (lora: false)'}`,
      );
    }
    return a;
  }

  /** Current values of an adapter's matrices, keyed like PEFT (for tests and tools). */
  adapterWeights(name: string): Map<string, Float32Array> {
    const a = this.trainableAdapter(name);
    const out = new Map<string, Float32Array>();
    for (const [key, m] of a.modules) {
      const [layer, proj] = splitKey(key);
      const p = peftMatrices(m);
      out.set(peftKey(layer, proj, 'A'), p.a);
      out.set(peftKey(layer, proj, 'B'), p.b);
    }
    return out;
  }

  async saveAdapter(name: string, dir: string): Promise<void> {
    this.assertLive();
    await saveAdapterPeft(this.trainableAdapter(name), dir, this.dir);
  }

  /** Loads a PEFT LoRA folder into adapter `name` (created or replaced); its optimizer state is reset. */
  async loadAdapter(name: string, dir: string): Promise<void> {
    this.assertLive();
    const data = readAdapterPeft(dir);
    const t = this.core.cfg.text;
    const shapes = (l: number, p: LoraProjection) => projectionShape(this.core.weights, l, p);
    for (let l = 0; l < t.numHiddenLayers; l++) {
      for (const p of data.targets) {
        const e = data.modules.get(moduleKey(l, p as LoraProjection));
        if (!e || e.a.length === 0 || e.b.length === 0) {
          throw new EvolmmError('CHECKPOINT', `adapter ${dir} lacks lora_A/lora_B for layer ${l} ${p} although target_modules names it`);
        }
        const [out, inn] = shapes(l, p as LoraProjection);
        if (e.aShape[0] !== data.rank || e.aShape[1] !== inn || e.bShape[0] !== out || e.bShape[1] !== data.rank) {
          throw new EvolmmError(
            'CHECKPOINT',
            `adapter ${dir}: layer ${l} ${p} has A [${e.aShape}] B [${e.bShape}], expected A [${data.rank},${inn}] B [${out},${data.rank}] for this model`,
          );
        }
      }
    }
    const old = this.core.adapters.get(name);
    if (old) disposeAdapter(old);
    this.optimizers.get(name)?.dispose();
    this.optimizers.delete(name);
    const acc = this.accum.get(name);
    if (acc?.grads) tf.dispose(acc.grads);
    this.accum.delete(name);
    const fresh = createAdapter(name, t.numHiddenLayers, shapes, { rank: data.rank, alpha: data.alpha, dropout: data.dropout, targets: data.targets as LoraProjection[] }, createRng(0));
    for (const [key, m] of fresh.modules) {
      const e = data.modules.get(key)!;
      setFromPeft(m, e.a, e.aShape, e.b, e.bShape);
    }
    this.core.adapters.set(name, fresh);
  }

  /** Writes a full HF folder with adapter `name` merged into the base weights (W + (α/r)·B·A). */
  async mergeAdapter(name: string, outDir: string): Promise<void> {
    this.assertLive();
    await mergeAdapterInto(this.dir, this.trainableAdapter(name), outDir);
  }

  async saveCheckpoint(dir: string): Promise<void> {
    this.assertLive();
    await writeCheckpointAtomic(dir, async (tmp) => {
      const adapters: Record<string, { optimizerStep: number; accumulated: number }> = {};
      const tensors: Parameters<typeof writeTensors>[1] = [];
      for (const [name, a] of this.core.adapters) {
        await saveAdapterPeft(a, path.join(tmp, ADAPTERS_DIR, name), this.dir);
        const opt = this.optimizers.get(name);
        const acc = this.accum.get(name);
        adapters[name] = { optimizerStep: opt?.step ?? 0, accumulated: acc?.count ?? 0 };
        const vars = adapterVariables(a);
        const keys = paramKeys(a);
        vars.forEach((v, i) => {
          const slot = opt?.slots.get(v);
          const put = (suffix: string, t: tf.Tensor) =>
            tensors.push({ name: `${name}::${keys[i]}::${suffix}`, dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array });
          if (slot) {
            put('exp_avg', slot.m);
            put('exp_avg_sq', slot.v);
          }
          if (acc?.grads) put('grad_acc', acc.grads[i]);
        });
      }
      await writeTensors(path.join(tmp, OPTIMIZER_FILE), tensors);
      writeState(tmp, {
        format: 'evolmm-tfjs-checkpoint',
        version: 1,
        baseModel: this.dir,
        adapters,
        rng: { dropout: this.dropoutRng.state(), seeds: this.seedRng.state() },
      });
    });
  }

  async loadCheckpoint(dir: string): Promise<void> {
    this.assertLive();
    const state = readState(dir);
    for (const name of Object.keys(state.adapters)) {
      await this.loadAdapter(name, path.join(dir, ADAPTERS_DIR, name));
    }
    const tensors = readTensors(path.join(dir, OPTIMIZER_FILE));
    for (const [name, info] of Object.entries(state.adapters)) {
      const a = this.core.adapters.get(name)!;
      const vars = adapterVariables(a);
      const keys = paramKeys(a);
      const get = (i: number, suffix: string) => tensors.get(`${name}::${keys[i]}::${suffix}`);
      if (info.optimizerStep > 0) {
        const opt = this.optimizer(a, vars);
        opt.step = info.optimizerStep;
        vars.forEach((v, i) => {
          const m = get(i, 'exp_avg');
          const s = get(i, 'exp_avg_sq');
          if (!m || !s) throw new EvolmmError('CHECKPOINT', `${dir}: optimizer moments of ${name} ${keys[i]} are missing`);
          const slot = opt.slots.get(v)!;
          tf.tidy(() => {
            slot.m.assign(tf.tensor(m.data, m.shape));
            slot.v.assign(tf.tensor(s.data, s.shape));
          });
        });
      }
      if (info.accumulated > 0) {
        this.accum.set(name, {
          count: info.accumulated,
          grads: vars.map((_, i) => {
            const g = get(i, 'grad_acc');
            if (!g) throw new EvolmmError('CHECKPOINT', `${dir}: accumulated gradient of ${name} ${keys[i]} is missing`);
            return tf.tensor(g.data, g.shape);
          }),
        });
      }
    }
    this.dropoutRng = restoreRng(state.rng.dropout);
    this.seedRng = restoreRng(state.rng.seeds);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.replicas?.close();
    for (const o of this.optimizers.values()) o.dispose();
    for (const a of this.accum.values()) if (a.grads) tf.dispose(a.grads);
    for (const a of this.core.adapters.values()) disposeAdapter(a);
    this.core.adapters.clear();
    this.core.dispose();
    disposeWeights(this.core.weights);
  }

  private assertLive(): void {
    if (this.disposed) throw new EvolmmError('INVALID_ARGUMENT', `model ${this.id} was disposed`);
  }
}

function paramKeys(a: LoraAdapter): string[] {
  const keys: string[] = [];
  for (const key of a.modules.keys()) {
    const [layer, proj] = splitKey(key);
    keys.push(peftKey(layer, proj, 'A'), peftKey(layer, proj, 'B'));
  }
  return keys;
}

function projectionShape(w: ModelWeights, layer: number, proj: LoraProjection): [number, number] {
  const m = w.text.layers[layer][proj].m;
  return [outDim(m), inDim(m)];
}

/**
 * Loads a Hugging Face Qwen2-VL / Qwen2.5-VL folder into tfjs, one tensor at a time, and attaches LoRA adapters
 * (default rank 16, α 32, dropout 0.05, q/k/v/o/gate/up/down of the language model, adapters 'default' and
 * 'proposer'; B = 0 so fresh adapters are the base model exactly).
 */
export async function loadTfjsModel(dir: string, options: TfjsModelOptions = {}): Promise<TfjsQwenModel> {
  if (!fs.existsSync(dir)) {
    throw new EvolmmError('NOT_FOUND', `model folder ${dir} does not exist; expected a Hugging Face Qwen2-VL or Qwen2.5-VL folder`);
  }
  const replicaCount = Math.floor(options.dataParallel ?? 1) - 1;
  if (!(replicaCount >= 0)) throw new EvolmmError('INVALID_ARGUMENT', `dataParallel must be an integer ≥ 1, got ${options.dataParallel}`);
  // Worker replicas load while this thread does (each in its own isolate); a failed load fails loadTfjsModel.
  const replicas = replicaCount > 0 ? ReplicaPool.start(dir, { ...options, dataParallel: 1, logBackend: false }, replicaCount) : null;
  replicas?.catch(() => undefined); // surfaced by the await below
  const backend = await createTfjsBackend({ backend: options.backend, threads: options.threads, log: options.logBackend });
  const cfg = await loadConfig(dir);
  const processor = await loadProcessor(dir, cfg);
  const store = openWeights(dir);
  let weights: ModelWeights;
  try {
    const layout = chooseLayout(options.weightLayout ?? 'auto', backend.name, store);
    const text = loadTextWeights(store, cfg, layout);
    weights = { text, vision: loadVisionWeights(store, cfg, layout) };
  } finally {
    store.close();
  }
  const lora = options.lora === false ? null : (options.lora ?? {});
  const defaults = {
    rank: lora?.rank ?? EVOLMM_DEFAULTS.loraRank,
    alpha: lora?.alpha ?? EVOLMM_DEFAULTS.loraAlpha,
    dropout: lora?.dropout ?? EVOLMM_DEFAULTS.loraDropout,
    targets: resolveTargets(lora?.targetModules ?? LORA_PROJECTIONS),
  };
  if (!(defaults.rank >= 1) || !(defaults.dropout >= 0 && defaults.dropout < 1)) {
    throw new EvolmmError('INVALID_ARGUMENT', `LoRA needs rank ≥ 1 and 0 ≤ dropout < 1; got rank ${defaults.rank}, dropout ${defaults.dropout}`);
  }
  const adapters = new Map<string, LoraAdapter>();
  const seed = options.seed ?? EVOLMM_DEFAULTS.seed;
  if (lora) {
    (lora.adapters ?? ['default', 'proposer']).forEach((name, i) => {
      adapters.set(
        name,
        createAdapter(name, cfg.text.numHiddenLayers, (l, p) => projectionShape(weights, l, p), defaults, createRng(seed, 100 + i)),
      );
    });
  }
  const core = new ModelCore(cfg, weights, processor, adapters);
  return new TfjsQwenModel(dir, backend, core, options, replicas ? await replicas : null);
}

const WASM_HEAP_BYTES = 4 * 1024 ** 3;

/** 'auto' → 'fast' unless the wasm heap cannot hold the weights twice plus room for activations. */
function chooseLayout(pref: WeightLayout | 'auto', backend: string, store: { names: readonly string[]; info(n: string): { shape: number[] } }): WeightLayout {
  if (pref !== 'auto') return pref;
  if (backend !== 'wasm') return 'fast';
  let params = 0;
  for (const n of store.names) params += store.info(n).shape.reduce((a, b) => a * b, 1);
  return 2 * 4 * params + 1.5 * 1024 ** 3 <= WASM_HEAP_BYTES ? 'fast' : 'compact';
}

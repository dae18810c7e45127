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
import { groupGradients } from './train-step.js';
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
  stepPrepared(prepared: PreparedInput, batch: Omit<PolicyBatch, 'messages'>): StepStats {
    this.assertLive();
    const t0 = performance.now();
    const adapter = this.trainableAdapter(batch.adapter);
    if (batch.samples.length === 0) throw new EvolmmError('INVALID_ARGUMENT', 'step() needs at least one sample');
    if (!(batch.beta >= 0)) throw new EvolmmError('INVALID_ARGUMENT', `beta must be ≥ 0, got ${batch.beta}`);
    const vars = adapterVariables(adapter);
    const S = batch.samples.length;
    const micro = Math.max(1, Math.min(S, this.opts.microBatchSize ?? S));
    const lossChunk = Math.max(1, this.opts.lossChunkTokens ?? 256);
    const dropout = adapter.dropout > 0 ? new DropoutSource(adapter.dropout, this.dropoutRng) : undefined;
    if (this.backend.name === 'wasm') {
      const layout = this.core.weights.text.lmHead.layout;
      // 'fast' weights also have XNNPACK's packed copies, which tf.memory() does not count.
      const live = tf.memory().numBytes * (layout === 'fast' ? 2 : 1);
      assertStepFitsWasmHeap(this.core.cfg.text, live, {
        promptTokens: prepared.inputIds.length,
        microBatch: micro,
        completionTokens: Math.max(...batch.samples.map((x) => x.tokenIds.length)),
        recompute: this.opts.recompute ?? false,
        layout,
        lossChunk,
      });
    }
    let sum: tf.Tensor[] | null = null;
    let loss = 0;
    let tokens = 0;
    const nll: number[] = [];
    const kl: number[] = [];
    for (let s = 0; s < S; s += micro) {
      const r = groupGradients(this.core, prepared, batch.samples.slice(s, s + micro), {
        adapter,
        vars,
        beta: batch.beta,
        totalSamples: S,
        dropout,
        lossChunk,
        recompute: this.opts.recompute ?? false,
      });
      loss += r.loss;
      tokens += r.tokens;
      nll.push(...r.nll);
      kl.push(...r.kl);
      const grads = r.grads.map((g, i) => g ?? tf.zerosLike(vars[i]));
      if (!sum) sum = grads;
      else {
        const next: tf.Tensor[] = sum.map((a, i) => tf.add(a, grads[i]));
        tf.dispose([...sum, ...grads]);
        sum = next;
      }
    }
    const gradNorm = globalNorm(sum!);
    this.accumulate(adapter, vars, sum!, batch.learningRate);
    return { loss, nll, kl, gradNorm, tokens, ms: performance.now() - t0 };
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
  return new TfjsQwenModel(dir, backend, core, options);
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

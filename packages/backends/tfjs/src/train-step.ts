import * as tf from '@tensorflow/tfjs';
import { EvolmmError, type PolicySample } from '@evolmm/core';
import type { PreparedInput } from '@evolmm/qwen-vl';
import { promptEmbeddings, runDecoder, type DecoderRun } from './decoder.js';
import { chunkedHeadLoss, type HeadLossStats } from './head-loss.js';
import { rmsNorm } from './layers.js';
import type { DropoutSource, LoraAdapter } from './lora.js';
import type { ModelCore } from './model-core.js';
import { embedTokens } from './weights.js';

/** Flattened layout of a group of completions that share one prompt. */
interface Layout {
  S: number;
  /** Longest completion minus one: completion inputs per row (the last token is only a target). */
  width: number;
  /** Completion input ids [S, width] (right-padded). */
  inputs: Int32Array;
  /** Row of [promptLast; completion rows] that predicts each target. */
  rows: Int32Array;
  targets: Int32Array;
  nllWeight: Float32Array;
  klWeight: Float32Array;
  /** Sample of each target. */
  sampleOf: Int32Array;
  lengths: number[];
}

/**
 * Per-position weights of L = (1/S)·Σ_s [ adv_s·NLL_s + β·KL_s ], NLL_s and KL_s means over the L_s completion
 * tokens (docs/method.md §6.2). `totalSamples` normalises micro-batches so their gradients sum to the batch's.
 */
function layout(samples: readonly PolicySample[], beta: number, totalSamples: number, padId: number): Layout {
  const S = samples.length;
  const lengths = samples.map((s) => s.tokenIds.length);
  const M = lengths.reduce((a, b) => a + b, 0);
  const width = Math.max(...lengths) - 1;
  const inputs = new Int32Array(S * Math.max(width, 0)).fill(padId);
  const rows = new Int32Array(M);
  const targets = new Int32Array(M);
  const nllWeight = new Float32Array(M);
  const klWeight = new Float32Array(M);
  const sampleOf = new Int32Array(M);
  let t = 0;
  samples.forEach((s, si) => {
    const L = s.tokenIds.length;
    for (let j = 0; j < L; j++) {
      if (j < L - 1) inputs[si * width + j] = s.tokenIds[j];
      rows[t] = j === 0 ? 0 : 1 + si * width + (j - 1); // token j is predicted by the previous position
      targets[t] = s.tokenIds[j];
      nllWeight[t] = s.advantage / (L * totalSamples);
      klWeight[t] = beta / (L * totalSamples);
      sampleOf[t] = si;
      t++;
    }
  });
  return { S, width, inputs, rows, targets, nllWeight, klWeight, sampleOf, lengths };
}

/**
 * Hidden states (before the final norm) of every position that predicts a completion token, [M, D]: the prompt is
 * run once (batch 1) and its KV cache is shared by the S completions, which run as one right-padded batch.
 * Padding sits after each row's last real token, so the causal mask keeps it out of every trained position.
 */
function predictingHidden(
  core: ModelCore,
  prepared: PreparedInput,
  lay: Layout,
  lora: LoraAdapter | undefined,
  dropout: DropoutSource | undefined,
  promptX: tf.Tensor3D,
  recompute = false,
): tf.Tensor2D {
  const cfg = core.cfg.text;
  const D = cfg.hiddenSize;
  const P = prepared.inputIds.length;
  const { cos, sin } = core.promptRope(prepared);
  const prompt = runDecoder(core.weights.text, { x: promptX, cos, sin, lora, dropout, recompute }, cfg);
  const parts: tf.Tensor[] = [prompt.hidden.slice([0, P - 1, 0], [1, 1, D]).reshape([1, D])];
  if (lay.width > 0) {
    const x = embedTokens(core.weights.text, lay.inputs).reshape([lay.S, lay.width, D]) as tf.Tensor3D;
    const rope = core.continuationRope(prepared, P, lay.width);
    const run: DecoderRun = { x, cos: rope.cos, sin: rope.sin, prefix: prompt.kv, lora, dropout, recompute };
    const comp = runDecoder(core.weights.text, run, cfg);
    parts.push(comp.hidden.reshape([lay.S * lay.width, D]));
  }
  const all = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  return tf.gather(all, tf.tensor1d(lay.rows, 'int32')) as tf.Tensor2D;
}

export interface GroupResult {
  /** Gradients in the order of `vars` (caller disposes). */
  grads: tf.Tensor[];
  loss: number;
  nll: number[];
  kl: number[];
  tokens: number;
}

export interface GroupOptions {
  adapter: LoraAdapter;
  vars: tf.Variable[];
  beta: number;
  /** Samples of the whole step (the loss is normalised by it, so shards' gradients sum to the step's). */
  totalSamples: number;
  dropout: DropoutSource | undefined;
  lossChunk: number;
  /** Activation recomputation per decoder layer (less memory, one more forward). */
  recompute?: boolean;
}

/**
 * Loss and gradients of one group of samples (docs/method.md §6.2). The reference pass (adapters off, no dropout,
 * no tape) runs first when β > 0; the loss head is chunked (head-loss.ts).
 */
export function groupGradients(
  core: ModelCore,
  prepared: PreparedInput,
  samples: readonly PolicySample[],
  opts: GroupOptions,
): GroupResult {
  for (const s of samples) {
    if (s.tokenIds.length === 0) {
      throw new EvolmmError('INVALID_ARGUMENT', 'a policy sample has no completion tokens; drop empty completions before step()');
    }
  }
  const cfg = core.cfg.text;
  const lay = layout(samples, opts.beta, opts.totalSamples, core.cfg.padTokenId >= 0 ? core.cfg.padTokenId : 0);
  const M = lay.targets.length;
  const visual = core.visualFeatures(prepared);
  const promptX = tf.tidy(() => promptEmbeddings(core.weights.text, prepared.inputIds, core.cfg.imageTokenId, visual));
  let refHidden: tf.Tensor2D | null = null;
  try {
    if (opts.beta > 0) {
      refHidden = tf.tidy(
        () => rmsNorm(predictingHidden(core, prepared, lay, undefined, undefined, promptX), core.weights.text.norm, cfg.rmsNormEps) as tf.Tensor2D,
      );
    }
    const stats: HeadLossStats = { nll: new Float32Array(M), kl: new Float32Array(M) };
    const spec = {
      lmHead: core.weights.text.lmHead,
      targets: lay.targets,
      nllWeight: lay.nllWeight,
      klWeight: lay.klWeight,
      refHidden,
      chunk: opts.lossChunk,
    };
    const { value, grads } = tf.variableGrads(() => {
      const h = predictingHidden(core, prepared, lay, opts.adapter, opts.dropout, promptX, opts.recompute);
      return chunkedHeadLoss(rmsNorm(h, core.weights.text.norm, cfg.rmsNormEps) as tf.Tensor2D, spec, stats);
    }, opts.vars);
    const loss = value.dataSync()[0];
    value.dispose();
    const nll = new Array<number>(lay.S).fill(0);
    const kl = new Array<number>(lay.S).fill(0);
    for (let t = 0; t < M; t++) {
      const s = lay.sampleOf[t];
      nll[s] += stats.nll[t] / lay.lengths[s];
      kl[s] += stats.kl[t] / lay.lengths[s];
    }
    return { grads: opts.vars.map((v) => grads[v.name]), loss, nll, kl, tokens: M };
  } finally {
    promptX.dispose();
    refHidden?.dispose();
  }
}

export interface ShardOptions extends GroupOptions {
  recompute: boolean;
  /** Samples per forward/backward. */
  microBatch: number;
}

/**
 * Summed gradients of a run of samples, `microBatch` samples per forward/backward. A step's samples may be split
 * into shards (micro-batches here, worker threads in data-parallel.ts): the per-sample loss terms are normalised
 * by the step's sample count, so the shards' gradient sums add up to the step's gradient.
 */
export function shardGradients(core: ModelCore, prepared: PreparedInput, samples: readonly PolicySample[], opts: ShardOptions): GroupResult {
  let sum: tf.Tensor[] | null = null;
  let loss = 0;
  let tokens = 0;
  const nll: number[] = [];
  const kl: number[] = [];
  const micro = Math.max(1, opts.microBatch);
  for (let s = 0; s < samples.length; s += micro) {
    const r = groupGradients(core, prepared, samples.slice(s, s + micro), opts);
    loss += r.loss;
    tokens += r.tokens;
    nll.push(...r.nll);
    kl.push(...r.kl);
    const grads = r.grads.map((g, i) => g ?? tf.zerosLike(opts.vars[i]));
    if (!sum) sum = grads;
    else {
      const next: tf.Tensor[] = sum.map((a, i) => tf.add(a, grads[i]));
      tf.dispose([...sum, ...grads]);
      sum = next;
    }
  }
  if (!sum) throw new EvolmmError('INVALID_ARGUMENT', 'a gradient shard needs at least one sample');
  return { grads: sum, loss, nll, kl, tokens };
}

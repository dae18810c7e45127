import * as tf from '@tensorflow/tfjs';
import { EVOLMM_DEFAULTS, EvolmmError, createRng, throwIfAborted, type Completion, type GenerateRequest } from '@evolmm/core';
import { sampleToken, type PreparedInput } from '@evolmm/qwen-vl';
import { lmLogits, promptEmbeddings, runDecoder, type LayerKV } from './decoder.js';
import type { LoraAdapter } from './lora.js';
import type { ModelCore } from './model-core.js';
import { embedTokens } from './weights.js';

/**
 * Incremental decoding: the prompt (with its image) is prefilled once with batch 1 and its KV cache is shared by
 * every sample (never tiled); each decode step appends one token per active sample to a per-sample cache.
 */
export class DecodeSession {
  private prefix: LayerKV[] | null = null;
  private own: LayerKV[] | null = null;
  private prepared: PreparedInput | null = null;
  /** Tokens decoded per row after the prompt. */
  generated = 0;

  constructor(
    private readonly core: ModelCore,
    private readonly lora: LoraAdapter | undefined,
  ) {}

  /** Runs the prompt; returns the logits [V] of its last position. */
  prefill(prepared: PreparedInput): Float32Array {
    this.dispose();
    this.prepared = prepared;
    const core = this.core;
    const cfg = core.cfg.text;
    const visual = core.visualFeatures(prepared);
    const { kv, logits } = tf.tidy(() => {
      const x = promptEmbeddings(core.weights.text, prepared.inputIds, core.cfg.imageTokenId, visual);
      const { cos, sin } = core.promptRope(prepared);
      const out = runDecoder(core.weights.text, { x, cos, sin, lora: this.lora }, cfg);
      const P = prepared.inputIds.length;
      const last = out.hidden.slice([0, P - 1, 0], [1, 1, cfg.hiddenSize]);
      return { kv: out.kv, logits: lmLogits(core.weights.text, last, cfg) };
    });
    this.prefix = kv;
    const data = logits.dataSync() as Float32Array;
    logits.dispose();
    return data;
  }

  /**
   * Feeds one token per row; `keepRows` (indices into the current rows) first drops finished samples from the
   * per-sample cache. Returns logits [rows·V].
   */
  decode(tokens: readonly number[], keepRows?: readonly number[]): Float32Array {
    if (!this.prefix || !this.prepared) throw new EvolmmError('INTERNAL', 'decode() before prefill()');
    const core = this.core;
    const cfg = core.cfg.text;
    const P = this.prepared.inputIds.length;
    const prev = this.own;
    const { kv, logits } = tf.tidy(() => {
      let past = prev ?? undefined;
      if (past && keepRows && keepRows.length !== past[0].k.shape[0]) {
        const idx = tf.tensor1d(Int32Array.from(keepRows), 'int32');
        past = past.map((l) => ({ k: tf.gather(l.k, idx) as tf.Tensor4D, v: tf.gather(l.v, idx) as tf.Tensor4D }));
      }
      const B = tokens.length;
      const x = embedTokens(core.weights.text, Int32Array.from(tokens)).reshape([B, 1, cfg.hiddenSize]) as tf.Tensor3D;
      const { cos, sin } = core.continuationRope(this.prepared!, P + this.generated, 1);
      const out = runDecoder(core.weights.text, { x, cos, sin, prefix: this.prefix!, past, lora: this.lora }, cfg);
      return { kv: out.kv, logits: lmLogits(core.weights.text, out.hidden, cfg) };
    });
    if (prev) for (const l of prev) tf.dispose([l.k, l.v]);
    this.own = kv;
    this.generated += 1;
    const data = logits.dataSync() as Float32Array;
    logits.dispose();
    return data;
  }

  dispose(): void {
    for (const set of [this.prefix, this.own]) if (set) for (const l of set) tf.dispose([l.k, l.v]);
    this.prefix = null;
    this.own = null;
    this.generated = 0;
  }
}

interface SampleState {
  tokens: number[];
  logprobs: number[];
  done: boolean;
  finishReason: 'stop' | 'length';
  cutText?: string;
}

/** Random seed for requests without one (drawn from the model's own stream, so runs stay reproducible). */
export type SeedSource = () => number;

export async function generatePrepared(
  core: ModelCore,
  prepared: PreparedInput,
  req: Omit<GenerateRequest, 'messages'>,
  nextSeed: SeedSource,
): Promise<Completion[]> {
  const n = req.n ?? 1;
  const maxNew = req.maxNewTokens ?? EVOLMM_DEFAULTS.solverMaxNewTokens;
  if (!Number.isInteger(n) || n < 1) throw new EvolmmError('INVALID_ARGUMENT', `n must be a positive integer, got ${n}`);
  if (!Number.isInteger(maxNew) || maxNew < 1) {
    throw new EvolmmError('INVALID_ARGUMENT', `maxNewTokens must be a positive integer, got ${maxNew}`);
  }
  const sampling = {
    temperature: req.temperature ?? EVOLMM_DEFAULTS.temperature,
    topP: req.topP ?? EVOLMM_DEFAULTS.topP,
    topK: req.topK ?? EVOLMM_DEFAULTS.topK,
  };
  const seed = req.seed ?? nextSeed();
  const lora = core.resolveAdapter(req.adapter);
  const tokenizer = core.processor.tokenizer;
  const stopIds = new Set<number>([...core.cfg.eosTokenIds, core.processor.endOfTurnTokenId]);
  const stopStrings = (req.stop ?? []).filter((s) => s.length > 0);
  const rngs = Array.from({ length: n }, (_, i) => createRng(seed, i));
  const states: SampleState[] = Array.from({ length: n }, () => ({ tokens: [], logprobs: [], done: false, finishReason: 'length' }));

  const accept = (i: number, logits: Float32Array): void => {
    const s = states[i];
    const { token, logprob } = sampleToken(logits, sampling, rngs[i]);
    s.tokens.push(token);
    s.logprobs.push(logprob);
    if (stopIds.has(token)) {
      s.done = true;
      s.finishReason = 'stop';
    } else if (stopStrings.length) {
      const text = tokenizer.decode(s.tokens, { skipSpecialTokens: true });
      let cut = -1;
      for (const st of stopStrings) {
        const at = text.indexOf(st);
        if (at >= 0 && (cut < 0 || at < cut)) cut = at;
      }
      if (cut >= 0) {
        s.done = true;
        s.finishReason = 'stop';
        s.cutText = text.slice(0, cut);
      }
    }
    if (!s.done && s.tokens.length >= maxNew) s.done = true;
  };

  throwIfAborted(req.signal, 'generate');
  const session = new DecodeSession(core, lora);
  try {
    const first = session.prefill(prepared);
    for (let i = 0; i < n; i++) accept(i, first);
    let rows = states.map((_, i) => i).filter((i) => !states[i].done);
    let prevRows = states.map((_, i) => i);
    const V = core.cfg.text.vocabSize;
    while (rows.length > 0) {
      await new Promise<void>((r) => setImmediate(r)); // let an AbortSignal fire
      throwIfAborted(req.signal, 'generate');
      const keep = rows.map((i) => prevRows.indexOf(i));
      const logits = session.decode(
        rows.map((i) => states[i].tokens[states[i].tokens.length - 1]),
        session.generated === 0 ? undefined : keep,
      );
      rows.forEach((i, r) => accept(i, logits.subarray(r * V, (r + 1) * V)));
      prevRows = rows;
      rows = rows.filter((i) => !states[i].done);
    }
  } finally {
    session.dispose();
  }
  return states.map((s) => ({
    text: s.cutText ?? tokenizer.decode(s.tokens, { skipSpecialTokens: true }),
    tokenIds: s.tokens,
    ...(req.logprobs ? { logprobs: s.logprobs } : {}),
    finishReason: s.finishReason,
  }));
}

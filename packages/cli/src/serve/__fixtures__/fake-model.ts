import { createHash } from 'node:crypto';
import { EvolmmError } from '@evolmm/core';
import type { Completion, GenerateRequest, VisionLanguageModel } from '@evolmm/core';

export interface FakeModelOptions {
  /** Awaited inside every generate() before answering (hold requests, count overlap). Honours the signal. */
  readonly gate?: (req: GenerateRequest, call: number) => Promise<void>;
  /** Errors thrown by the first calls, in order. */
  readonly failures?: unknown[];
}

/** sha256 (first 12 hex chars) of every image's bytes, so a test sees exactly which pixels arrived. */
export function imageDigests(req: GenerateRequest): string[] {
  const out: string[] = [];
  for (const m of req.messages) {
    if (typeof m.content === 'string') continue;
    for (const p of m.content) {
      if (p.type !== 'image') continue;
      const bytes = p.image instanceof Uint8Array ? p.image : undefined;
      out.push(bytes ? createHash('sha256').update(bytes).digest('hex').slice(0, 12) : `not-bytes:${typeof p.image}`);
    }
  }
  return out;
}

/**
 * A deterministic VisionLanguageModel that records what it was asked. Sample i answers with a text that spells
 * out every request field (so a round trip through HTTP shows what survived), token ids [1000+i, seed, i] and
 * logprobs [-0.25·(i+1), -1, -2] when asked; odd samples finish by 'length'.
 */
export function createFakeModel(options: FakeModelOptions = {}) {
  const calls: GenerateRequest[] = [];
  const failures = [...(options.failures ?? [])];
  const state = { inFlight: 0, maxInFlight: 0, aborted: 0, completed: 0 };

  const model: VisionLanguageModel = {
    specificationVersion: 'v1',
    id: 'fake:deterministic',
    async generate(req) {
      const call = calls.push(req) - 1;
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      try {
        if (failures.length > 0) throw failures.shift();
        if (options.gate) await options.gate(req, call);
        if (req.signal?.aborted) throw new EvolmmError('ABORTED', 'generation cancelled');
        state.completed++;
        return answer(req);
      } catch (err) {
        if (req.signal?.aborted) state.aborted++;
        throw err;
      } finally {
        state.inFlight--;
      }
    },
    async dispose() {},
  };
  return { model, calls, state };
}

/** The fake's answer, also used by tests as the expected value of a direct (no HTTP) call. */
export function answer(req: GenerateRequest): Completion[] {
  const text = (m: GenerateRequest['messages'][number]) =>
    typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : '<img>')).join('');
  const fields = [
    `msgs=${req.messages.map((m) => `${m.role}:${text(m)}`).join('|')}`,
    `img=${imageDigests(req).join(',')}`,
    `t=${req.temperature}`,
    `p=${req.topP}`,
    `k=${req.topK}`,
    `seed=${req.seed}`,
    `max=${req.maxNewTokens}`,
    `stop=${req.stop?.join('/')}`,
    `adapter=${req.adapter}`,
  ].join(' ');
  return Array.from({ length: req.n ?? 1 }, (_, i) => ({
    text: `#${i} ${fields}`,
    tokenIds: [1000 + i, req.seed ?? 0, i],
    ...(req.logprobs ? { logprobs: [-0.25 * (i + 1), -1, -2] } : {}),
    finishReason: i % 2 === 1 ? ('length' as const) : ('stop' as const),
  }));
}

/** Resolves when `signal` aborts; used as a gate that never opens by itself. */
export function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () => reject(new EvolmmError('ABORTED', 'generation cancelled')), { once: true });
  });
}

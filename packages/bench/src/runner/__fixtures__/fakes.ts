import type { Benchmark, BenchSummary, ChatMessage, Completion, GenerateRequest, ItemScore, VisionLanguageModel } from '@evolmm/core';
import { breakdown } from '../../synthetic/benchmark.js';

export interface ToyItem {
  readonly id: string;
  readonly a: number;
  readonly b: number;
}

/** A toy benchmark: "add a b" → a + b. Breakdown: parity of the sum. */
export function toyBenchmark(name: string, count: number): Benchmark<ToyItem> {
  return {
    name,
    generation: { maxNewTokens: 8, temperature: 0 },
    async *items(opts = {}) {
      const n = Math.min(count, opts.limit ?? count);
      for (let i = 0; i < n; i++) yield { id: `q${i}`, a: i, b: 2 * i + 1 };
    },
    id: (item) => item.id,
    prompt: (item): ChatMessage[] => [{ role: 'user', content: [{ type: 'text', text: `add ${item.a} ${item.b}` }] }],
    score(item, output): ItemScore {
      const p = output.trim();
      return { id: item.id, correct: p === String(item.a + item.b), prediction: p === '' ? null : p, groups: { parity: (item.a + item.b) % 2 ? 'odd' : 'even' } };
    },
    summarize(scores): BenchSummary {
      const correct = scores.filter((s) => s.correct).length;
      return {
        benchmark: name,
        correct,
        total: scores.length,
        accuracy: scores.length ? (100 * correct) / scores.length : 0,
        breakdowns: { parity: breakdown(scores, 'parity') },
      };
    },
  };
}

export interface FakeModel extends VisionLanguageModel {
  calls: number;
  requests: GenerateRequest[];
  maxInFlight: number;
}

function promptText(req: GenerateRequest): string {
  return req.messages
    .flatMap((m) => (typeof m.content === 'string' ? [m.content] : m.content.map((p) => (p.type === 'text' ? p.text : ''))))
    .join('');
}

/**
 * A fake model: answers `answer(promptText)`; one token per character. `delay(i)` makes call i take that many ms;
 * `onCall(i)` runs at the start of call i (e.g. to abort the run).
 */
export function fakeModel(
  id: string,
  answer: (text: string) => string,
  hooks: { delay?: (call: number) => number; onCall?: (call: number) => void; fail?: (call: number) => boolean } = {},
): FakeModel {
  let inFlight = 0;
  const model: FakeModel = {
    specificationVersion: 'v1',
    id: `fake:${id}`,
    calls: 0,
    requests: [],
    maxInFlight: 0,
    async generate(req): Promise<Completion[]> {
      const call = model.calls++;
      model.requests.push(req);
      hooks.onCall?.(call);
      inFlight++;
      model.maxInFlight = Math.max(model.maxInFlight, inFlight);
      try {
        await new Promise((r) => setTimeout(r, hooks.delay?.(call) ?? 0));
        if (hooks.fail?.(call)) throw new Error('backend exploded');
        const text = answer(promptText(req));
        return [{ text, tokenIds: Array.from(text, () => 1), finishReason: 'stop' }];
      } finally {
        inFlight--;
      }
    },
    async dispose() {},
  };
  return model;
}

/** Adds correctly: "add a b" → a + b. */
export const adder = (text: string): string => {
  const [, a, b] = text.split(' ').map(Number);
  return String(a + b);
};

/** Right only when a is even; otherwise answers 0. */
export const halfAdder = (text: string): string => {
  const [, a, b] = text.split(' ').map(Number);
  return a % 2 === 0 ? String(a + b) : '0';
};

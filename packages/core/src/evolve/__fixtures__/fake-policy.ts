/**
 * A deterministic stand-in for a trainable vision-language model, for the evolve/sft tests. Generation samples
 * from per-adapter softmax "logits" over a small answer (or question) vocabulary with the request's seeded
 * streams; `step` moves the logits with the advantages (so training changes later generations), draws from a
 * stateful RNG (so a resume that forgot to restore it would diverge), and returns stats computed from the batch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRng, restoreRng, type Rng, type RngState } from '../../rng.js';
import { parseAnswer } from '../../evolmm-tags.js';
import type { ChatMessage, Completion, GenerateRequest } from '../../spec/model.js';
import type { PolicyBatch, StepStats, TrainablePolicy } from '../../spec/policy.js';

export const ANSWERS = ['3', '4', '5', 'yes', 'no', 'red', '3.0', '$5'];
export const PROPOSALS = [
  '<question>What is the value of the tallest bar?</question><rationale>Needs reading the axis.</rationale>',
  '<question>How many lines are there?</question><rationale>Counting.</rationale>',
  '<question>Which colour is the largest slice?</question>',
  'What is shown here, with no tags at all?',
  '<question>unclosed question',
  '',
  '<question></question><rationale>empty</rationale>',
];
const EOT = 151645;

export interface FakePolicyOptions {
  readonly seed?: number;
  /** Image paths matching this fail to "load" (generate throws). */
  readonly failImages?: RegExp;
  /** Milliseconds each step waits (to make a run slow enough to kill mid-way). */
  readonly stepDelayMs?: number;
  /** Milliseconds between the two files of a checkpoint (to kill mid-save). */
  readonly saveDelayMs?: number;
}

export interface FakePolicy extends TrainablePolicy {
  /** Every step() call, in order. */
  readonly calls: PolicyBatch[];
  logits(adapter: string): number[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function softmaxSample(logits: readonly number[], u: number): number {
  const m = Math.max(...logits);
  const e = logits.map((x) => Math.exp(x - m));
  const z = e.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i < e.length; i++) {
    acc += e[i] / z;
    if (u < acc) return i;
  }
  return e.length - 1;
}

function imageOf(messages: readonly ChatMessage[]): string {
  for (const m of messages) {
    if (typeof m.content === 'string') continue;
    for (const p of m.content) if (p.type === 'image') return String(p.image);
  }
  return '';
}

function textOf(messages: readonly ChatMessage[]): string {
  return messages
    .map((m) => (typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : '')).join('')))
    .join('\n');
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

const WORDS = ['looking', 'at', 'the', 'chart', 'I', 'see', 'bars', 'so'];

export function createFakePolicy(options: FakePolicyOptions = {}): FakePolicy {
  const lg: Record<string, number[]> = {
    default: ANSWERS.map(() => 0),
    proposer: PROPOSALS.map(() => 0),
  };
  let rng: Rng = createRng(options.seed ?? 7, 999);
  let stepCount = 0;
  const calls: PolicyBatch[] = [];
  const encode = (text: string) => Array.from(text, (c) => c.codePointAt(0)!);
  const decode = (ids: readonly number[]) => String.fromCodePoint(...ids.filter((i) => i !== EOT));

  const policy: FakePolicy = {
    specificationVersion: 'v1',
    id: 'fake:policy',
    adapters: ['default', 'proposer'],
    endOfTurnTokenId: EOT,
    calls,
    logits: (a) => [...lg[a]],
    encode,
    async generate(req: GenerateRequest): Promise<Completion[]> {
      const image = imageOf(req.messages);
      if (options.failImages?.test(image)) throw new Error(`cannot decode image ${image}`);
      const adapter = req.adapter ?? 'default';
      const logits = lg[adapter];
      if (!logits) throw new Error(`unknown adapter ${adapter}`);
      // The prompt shifts the answer distribution, so different questions get different agreement.
      const bias = hash(textOf(req.messages) + image) % logits.length;
      const out: Completion[] = [];
      for (let i = 0; i < (req.n ?? 1); i++) {
        const r = createRng(req.seed ?? 0, i);
        const k = softmaxSample(
          logits.map((x, j) => x + (j === bias ? 1.5 : 0)),
          r.next(),
        );
        let text: string;
        if (adapter === 'proposer') text = PROPOSALS[k];
        else {
          const words = Array.from({ length: r.nextInt(10) }, () => WORDS[r.nextInt(WORDS.length)]).join(' ');
          text = r.next() < 0.15 ? `${words}\nI think it is ${ANSWERS[k]}` : `${words} <answer>${ANSWERS[k]}</answer>`.trim();
        }
        out.push({ text, tokenIds: [...encode(text), EOT], finishReason: 'stop' });
      }
      return out;
    },
    async step(batch: PolicyBatch): Promise<StepStats> {
      calls.push(batch);
      const logits = lg[batch.adapter];
      if (!logits) throw new Error(`unknown adapter ${batch.adapter}`);
      if (options.stepDelayMs) await sleep(options.stepDelayMs);
      const v = logits.length;
      const sq = logits.reduce((a, x) => a + x * x, 0) / v;
      const nll = batch.samples.map((s) => s.tokenIds.reduce((a, id) => a + (id % 97) / 97, 0) / Math.max(1, s.tokenIds.length) + Math.sqrt(sq));
      const kl = batch.samples.map((s) => 0.5 * sq * (1 + s.tokenIds.length / 1000));
      const lr = (batch.learningRate ?? 1e-6) * 1e5;
      for (const s of batch.samples) {
        const text = decode(s.tokenIds);
        const idx = batch.adapter === 'proposer' ? PROPOSALS.indexOf(text) : ANSWERS.indexOf(parseAnswer(text).replace(/^I think it is /, ''));
        if (idx >= 0) logits[idx] += (lr * s.advantage) / batch.samples.length;
      }
      for (let j = 0; j < v; j++) logits[j] = logits[j] * (1 - Math.min(0.5, batch.beta)) + 0.01 * rng.nextNormal();
      stepCount++;
      const n = batch.samples.length;
      const loss = batch.samples.reduce((a, s, i) => a + s.advantage * nll[i] + batch.beta * kl[i], 0) / n;
      const gradNorm = Math.sqrt(batch.samples.reduce((a, s) => a + s.advantage * s.advantage, 0)) + sq;
      return { loss, nll, kl, gradNorm, tokens: batch.samples.reduce((a, s) => a + s.tokenIds.length, 0), ms: 0 };
    },
    async saveCheckpoint(dir: string) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'weights.json'), JSON.stringify(lg));
      if (options.saveDelayMs) await sleep(options.saveDelayMs);
      fs.writeFileSync(path.join(dir, 'rng.json'), JSON.stringify({ state: rng.state(), stepCount }));
    },
    async loadCheckpoint(dir: string) {
      const w = JSON.parse(fs.readFileSync(path.join(dir, 'weights.json'), 'utf8')) as Record<string, number[]>;
      const r = JSON.parse(fs.readFileSync(path.join(dir, 'rng.json'), 'utf8')) as { state: RngState; stepCount: number };
      for (const k of Object.keys(lg)) lg[k] = w[k];
      rng = restoreRng(r.state);
      stepCount = r.stepCount;
    },
    async saveAdapter(name: string, dir: string) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'adapter.json'), JSON.stringify(lg[name]));
    },
    async dispose() {},
  };
  return policy;
}

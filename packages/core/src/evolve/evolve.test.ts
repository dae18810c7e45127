import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EvolmmError } from '../errors.js';
import { readJsonl } from '../event-log.js';
import { parseAnswer, parseQuestion, preAnswerWordCount } from '../evolmm-tags.js';
import { PROPOSER_PROMPT, solverPrompt } from '../evolmm-prompts.js';
import { normalizeAnswer } from '../normalize-answer.js';
import { deriveSeed } from '../rng.js';
import type { GenerateRequest } from '../spec/model.js';
import type { StepStats } from '../spec/policy.js';
import { createFakePolicy } from './__fixtures__/fake-policy.js';
import { entropyOf, fakeProposerReward, fakeSolverReward } from './__fixtures__/fake-rewards.js';
import { makeImageDir, readLines, tmpDir } from './__fixtures__/run-helpers.js';
import { evolve } from './evolve.js';
import type { IterationEvent, RoleStepRecord, RunStartEvent } from './evolve-events.js';
import { imageOrder, resolveImageSource } from './image-source.js';

function recordingPolicy(opts: Parameters<typeof createFakePolicy>[0] = {}) {
  const policy = createFakePolicy(opts);
  const requests: GenerateRequest[] = [];
  const stats: StepStats[] = [];
  const gen = policy.generate.bind(policy);
  policy.generate = async (req) => {
    requests.push(req);
    return gen(req);
  };
  const step = policy.step.bind(policy);
  policy.step = async (batch) => {
    const s = await step(batch);
    stats.push(s);
    return s;
  };
  return { policy, requests, stats };
}

/** The step record carries exactly what the policy returned for that step. */
function expectStepMatches(rec: RoleStepRecord, st: StepStats) {
  expect([rec.nll, rec.kl, rec.loss, rec.gradNorm, rec.tokens]).toEqual([[...st.nll], [...st.kl], st.loss, st.gradNorm, st.tokens]);
}

/** β ← clip(β·exp(0.1·(KL − 0.02)/0.02), 1e-8, 100), written out independently of adaptBeta. */
const nextBeta = (b: number, kl: number) => Math.min(100, Math.max(1e-8, b * Math.exp((0.1 * (kl - 0.02)) / 0.02)));
const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('evolve', () => {
  it('logs numbers that all follow from the logged answers (EMA baselines, per-sample steps, adaptive β, schedule)', async () => {
    const root = tmpDir();
    const images = makeImageDir(root, 6, ['zz_broken.png']);
    const out = path.join(root, 'run');
    const { policy, requests, stats } = recordingPolicy({ failImages: /broken/ });
    const result = await evolve({
      policy,
      solverReward: fakeSolverReward,
      proposerReward: fakeProposerReward,
      images,
      out,
      iterations: 14,
      proposerUpdateEvery: 3,
      checkpointEvery: 4,
    });
    const events = readJsonl<RunStartEvent | IterationEvent>(result.eventsFile);
    expect(events[0].type).toBe('run_start');
    const start = events[0] as RunStartEvent;
    expect(start.config.n).toBe(5);
    expect(start.config.seed).toBe(42);
    expect(start.config.beta0).toBe(1e-3);
    const it = events.slice(1) as IterationEvent[];
    expect(it.map((e) => e.iteration)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));

    // Image order: the seeded permutation of the sorted list, skipping the unloadable image.
    const paths = resolveImageSource(images);
    const order = imageOrder(paths.length, 42);
    const visited = it.flatMap((e) => [...e.skippedImages.map((s) => s.image), e.image]);
    expect(visited).toEqual(Array.from({ length: visited.length }, (_, k) => paths[order[k % paths.length]]));
    expect(it.some((e) => e.skippedImages.length > 0)).toBe(true);
    for (const e of it) for (const s of e.skippedImages) expect(s.error).toMatch(/cannot decode/);

    let bS = 0;
    let bP = 0;
    let betaS = 1e-3;
    let betaP = 1e-3;
    let callIdx = 0;
    let proposerUpdates = 0;
    for (const e of it) {
      // Parsing and statistics.
      expect(e.proposer.question).toBe(parseQuestion(e.proposer.output));
      expect(e.solver.answers).toEqual(e.solver.outputs.map(parseAnswer));
      expect(e.solver.normalized).toEqual(e.solver.answers.map(normalizeAnswer));
      const counts = new Map<string, number>();
      for (const a of e.solver.normalized) counts.set(a, (counts.get(a) ?? 0) + 1);
      expect(e.histogram).toEqual([...counts.entries()]);
      expect(e.distinctAnswers).toBe(counts.size);
      expect(e.entropy).toBeCloseTo(entropyOf(e.solver.answers), 12);
      const maxCount = Math.max(...counts.values());
      expect(e.majorityCount).toBe(maxCount);
      expect(e.majority).toBe([...counts.entries()].find(([, c]) => c === maxCount)![0]);
      expect(e.majorityFraction).toBe(maxCount / 5);
      expect(e.solver.majorityVote).toEqual(e.solver.normalized.map((a) => (a === e.majority ? 1 : 0)));
      expect(e.solver.preAnswerWords).toEqual(e.solver.outputs.map(preAnswerWordCount));

      // Rewards are the plugins' values for the logged outputs.
      const sr = fakeSolverReward.score({ completions: e.solver.outputs, answers: e.solver.answers }) as { value: number }[];
      expect(e.solver.rewards).toEqual(sr.map((r) => r.value));
      const pr = fakeProposerReward.score({ completions: [e.proposer.output], metadata: { solverCompletions: e.solver.outputs } }) as {
        value: number;
        components: Record<string, number>;
      }[];
      expect(e.proposer.reward).toBe(pr[0].value);
      expect(e.proposer.rewardComponents).toEqual(pr[0].components);

      // Requests: the exact prompts, explicit sampling settings and seeds derived from (seed, iteration, role).
      const [propReq, solReq] = requests.filter((r) => r.seed === deriveSeed(42, e.iteration, 0) || r.seed === deriveSeed(42, e.iteration, 1)).slice(-2);
      expect(propReq.adapter).toBe('proposer');
      expect(propReq.n).toBe(1);
      expect(propReq.messages[0].content).toEqual([{ type: 'image', image: e.image }, { type: 'text', text: PROPOSER_PROMPT }]);
      expect(solReq.adapter).toBe('default');
      expect(solReq.n).toBe(5);
      expect(solReq.seed).toBe(deriveSeed(42, e.iteration, 1));
      expect(solReq.messages[0].content).toEqual([{ type: 'image', image: e.image }, { type: 'text', text: solverPrompt(e.proposer.question) }]);
      for (const r of [propReq, solReq]) expect([r.temperature, r.topP, r.topK, r.maxNewTokens]).toEqual([1, 1, 0, 128]);

      // Solver: 5 separate steps in sampling order, each against the EMA baseline rolled forward so far.
      expect(e.solver.baselineBefore).toBe(bS);
      expect(e.solver.betaBefore).toBe(betaS);
      expect(e.solver.steps).toHaveLength(5);
      e.solver.steps.forEach((s, i) => {
        const r = e.solver.rewards[i];
        expect(s.samples).toEqual([i]);
        expect(s.baselines).toEqual([bS]);
        expect(s.advantages[0]).toBe(r - bS);
        expect(e.solver.advantages[i]).toBe(r - bS);
        expect(s.beta).toBe(betaS);
        expectStepMatches(s, stats[callIdx]);
        const call = policy.calls[callIdx++];
        expect(call.adapter).toBe('default');
        expect(call.beta).toBe(betaS);
        expect(call.learningRate).toBe(1e-6);
        expect(call.samples).toHaveLength(1);
        expect(call.samples[0].advantage).toBe(r - bS);
        // D7: train on the sampled ids, end-of-turn token included.
        expect(call.samples[0].tokenIds).toEqual([...policy.encode(e.solver.outputs[i]), policy.endOfTurnTokenId]);
        bS = 0.9 * bS + (1 - 0.9) * r; // b ← m·b + (1 − m)·r
        betaS = nextBeta(betaS, s.kl[0]);
        expect(s.emaAfter).toBe(bS);
        expect(s.betaAfter).toBe(betaS);
      });
      expect(e.solver.baselineAfter).toBe(bS);
      expect(e.solver.betaAfter).toBe(betaS);
      expect(e.solver.kl).toBeCloseTo(meanOf(e.solver.steps.map((s) => s.kl[0])), 15);

      // Proposer: updated only when iteration % 3 === 0.
      expect(e.proposer.updated).toBe(e.iteration % 3 === 0);
      expect(e.proposer.baselineBefore).toBe(bP);
      expect(e.proposer.betaBefore).toBe(betaP);
      if (e.proposer.updated) {
        proposerUpdates++;
        expectStepMatches(e.proposer.steps[0], stats[callIdx]);
        const call = policy.calls[callIdx++];
        expect(call.adapter).toBe('proposer');
        expect(call.samples[0].advantage).toBe(e.proposer.reward - bP);
        expect(call.samples[0].tokenIds).toEqual([...policy.encode(e.proposer.output), policy.endOfTurnTokenId]);
        expect(e.proposer.advantage).toBe(e.proposer.reward - bP);
        expect(call.beta).toBe(betaP);
        bP = 0.9 * bP + (1 - 0.9) * e.proposer.reward;
        betaP = nextBeta(betaP, e.proposer.steps[0].kl[0]);
      } else {
        expect(e.proposer.steps).toEqual([]);
        expect(e.proposer.advantage).toBeNull();
        expect(e.proposer.kl).toBeNull();
      }
      expect(e.proposer.baselineAfter).toBe(bP);
      expect(e.proposer.betaAfter).toBe(betaP);
      expect(e.updates).toEqual({ solver: 5 * e.iteration, proposer: proposerUpdates });
    }
    expect(callIdx).toBe(policy.calls.length);
    expect(proposerUpdates).toBe(4);
    // KL is exactly 0 before the first update and positive after (the fake's reference is its initial weights).
    expect(it[0].solver.steps[0].kl[0]).toBe(0);
    expect(it[13].solver.kl!).toBeGreaterThan(0);
    // Checkpoints at 8 and 12 kept (every 4, keep 2), plus the final one at 14 → last two are 12 and 14.
    expect(fs.readdirSync(path.join(out, 'checkpoints')).sort()).toEqual(['step_00012', 'step_00014']);
    expect(result.summary.iterations).toBe(14);
    expect(result.summary.updates).toEqual({ solver: 70, proposer: 4 });
  });

  it('never crashes on malformed proposals: they are parsed with the fallbacks, scored and logged', async () => {
    const root = tmpDir();
    const { policy } = recordingPolicy();
    const res = await evolve({
      policy,
      solverReward: fakeSolverReward,
      proposerReward: fakeProposerReward,
      images: makeImageDir(root, 4),
      out: path.join(root, 'run'),
      iterations: 30,
      checkpointEvery: 100,
    });
    const it = readJsonl<IterationEvent>(res.eventsFile).slice(1);
    const malformed = it.filter((e) => !e.proposer.tagged);
    expect(malformed.length).toBeGreaterThan(0);
    for (const e of malformed) {
      expect(e.proposer.question).toBe(parseQuestion(e.proposer.output));
      expect(Number.isFinite(e.proposer.reward)).toBe(true);
    }
    // An empty output falls back to the default question (docs/method.md §2).
    const empty = it.filter((e) => e.proposer.output === '');
    for (const e of empty) expect(e.proposer.question).toBe('What is the most prominent value shown in the image?');
    expect(res.summary.malformedProposals).toBe(malformed.length);
    // Samples differ (D3): some iteration has more than one distinct answer.
    expect(Math.max(...it.map((e) => e.distinctAnswers))).toBeGreaterThan(1);
  });

  it("'group-mean' + 'batched': leave-one-out baselines and one step per group", async () => {
    const root = tmpDir();
    const { policy } = recordingPolicy();
    const res = await evolve({
      policy,
      solverReward: fakeSolverReward,
      proposerReward: fakeProposerReward,
      images: makeImageDir(root, 3),
      out: path.join(root, 'run'),
      iterations: 6,
      baseline: 'group-mean',
      solverUpdate: 'batched',
    });
    const it = readJsonl<IterationEvent>(res.eventsFile).slice(1);
    let ema = 0;
    let beta = 1e-3;
    for (const e of it) {
      expect(e.solver.steps).toHaveLength(1);
      const r = e.solver.rewards;
      const sum = r.reduce((a, b) => a + b, 0);
      const expected = r.map((ri) => ri - (sum - ri) / 4);
      e.solver.advantages.forEach((a, i) => expect(a).toBeCloseTo(expected[i], 14));
      // All rewards equal → all advantages 0.
      if (new Set(r).size === 1) for (const a of e.solver.advantages) expect(a).toBeCloseTo(0, 14);
      expect(e.solver.steps[0].beta).toBe(beta);
      beta = nextBeta(beta, meanOf(e.solver.steps[0].kl));
      for (const ri of r) ema = 0.9 * ema + 0.1 * ri;
      expect(e.solver.baselineAfter).toBeCloseTo(ema, 14);
    }
    const solverCalls = policy.calls.filter((c) => c.adapter === 'default');
    expect(solverCalls).toHaveLength(6);
    for (const c of solverCalls) expect(c.samples).toHaveLength(5);
    // Proposer keeps its EMA and its schedule (every 5).
    expect(policy.calls.filter((c) => c.adapter === 'proposer')).toHaveLength(1);
  });

  it('the no-KL ablation keeps β at 0 and never adapts it; proposerUpdateEvery 0 freezes the proposer', async () => {
    const root = tmpDir();
    const { policy } = recordingPolicy();
    const res = await evolve({
      policy,
      solverReward: fakeSolverReward,
      proposerReward: fakeProposerReward,
      images: makeImageDir(root, 3),
      out: path.join(root, 'run'),
      iterations: 5,
      klPenalty: false,
      proposerUpdateEvery: 0,
    });
    const it = readJsonl<IterationEvent>(res.eventsFile).slice(1);
    for (const e of it) expect([e.solver.betaBefore, e.solver.betaAfter, e.proposer.betaAfter]).toEqual([0, 0, 0]);
    for (const c of policy.calls) expect(c.beta).toBe(0);
    // proposerUpdateEvery 0: the proposer never steps, its reward is still logged.
    expect(policy.calls.filter((c) => c.adapter === 'proposer')).toHaveLength(0);
    for (const e of it) expect(Number.isFinite(e.proposer.reward) && !e.proposer.updated).toBe(true);
  });

  it('proposerTemperature samples the proposer cooler and leaves the solver at the paper temperature', async () => {
    const root = tmpDir();
    const { policy, requests } = recordingPolicy();
    await evolve({
      policy,
      solverReward: fakeSolverReward,
      proposerReward: fakeProposerReward,
      images: makeImageDir(root, 2),
      out: path.join(root, 'run'),
      iterations: 2,
      proposerTemperature: 0.3,
    });
    const byAdapter = (a: string) => requests.filter((r) => r.adapter === a).map((r) => r.temperature);
    expect(byAdapter('proposer')).toEqual([0.3, 0.3]);
    expect(byAdapter('default')).toEqual([1, 1]);
  });

  it('generates with a separate rollout model and syncs it after the updates', async () => {
    const root = tmpDir();
    const { policy, requests: policyRequests } = recordingPolicy();
    const { policy: rollout, requests } = recordingPolicy();
    const synced: number[] = [];
    await evolve({
      policy,
      rolloutModel: rollout,
      syncRollout: async (p, t) => {
        expect(p).toBe(policy);
        // Called after this iteration's updates: the solver has stepped 5·t times.
        expect(policy.calls.filter((c) => c.adapter === 'default')).toHaveLength(5 * t);
        synced.push(t);
      },
      rolloutSyncEvery: 2,
      solverReward: fakeSolverReward,
      proposerReward: fakeProposerReward,
      images: makeImageDir(root, 3),
      out: path.join(root, 'run'),
      iterations: 6,
    });
    expect(policyRequests).toHaveLength(0);
    expect(requests).toHaveLength(12);
    expect(synced).toEqual([2, 4, 6]);
  });

  it('syncs the rollout model right after a resume restored the policy', async () => {
    const root = tmpDir();
    const base = {
      solverReward: fakeSolverReward,
      proposerReward: fakeProposerReward,
      images: makeImageDir(root, 3),
      out: path.join(root, 'run'),
      checkpointEvery: 2,
    };
    await evolve({ ...base, policy: createFakePolicy(), iterations: 3 });
    const synced: number[] = [];
    await evolve({
      ...base,
      policy: createFakePolicy(),
      rolloutModel: createFakePolicy(),
      syncRollout: (_p, t) => void synced.push(t),
      iterations: 5,
      resume: true,
    });
    expect(synced).toEqual([3, 4, 5]);
  });

  it('resumes from the newest complete checkpoint and reproduces the uninterrupted log', async () => {
    const root = tmpDir();
    const images = makeImageDir(root, 5, ['broken.png']);
    const base = { solverReward: fakeSolverReward, proposerReward: fakeProposerReward, images, iterations: 12, checkpointEvery: 5 };
    const a = await evolve({ ...base, policy: createFakePolicy({ failImages: /broken/ }), out: path.join(root, 'a') });
    const outB = path.join(root, 'b');
    const ctrl = new AbortController();
    await expect(
      evolve({
        ...base,
        policy: createFakePolicy({ failImages: /broken/ }),
        out: outB,
        signal: ctrl.signal,
        onProgress: (ev) => {
          if (ev.type === 'iteration' && ev.iteration === 8) ctrl.abort();
        },
      }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(readLines(path.join(outB, 'events.jsonl'))).toHaveLength(9);
    const state = JSON.parse(fs.readFileSync(path.join(outB, 'checkpoints/step_00005/trainer_state.json'), 'utf8'));
    expect(state).toMatchObject({ kind: 'evolve', step: 5, eventLines: 6, updates: { solver: 25, proposer: 1 } });
    // Fresh start in a used folder is refused.
    await expect(evolve({ ...base, policy: createFakePolicy(), out: outB })).rejects.toThrow(/already holds a run/);
    // Different settings are refused with the differing key named.
    await expect(evolve({ ...base, n: 4, policy: createFakePolicy(), out: outB, resume: true })).rejects.toThrow(/\bn 5 → 4/);
    // So is a changed image list, before anything in the folder is touched.
    const more = makeImageDir(path.join(root, 'more'), 7);
    await expect(evolve({ ...base, images: more, policy: createFakePolicy(), out: outB, resume: true })).rejects.toThrow(
      /images \{"count":6,"hash":"[0-9a-f]+"\} → \{"count":7/,
    );
    expect(readLines(path.join(outB, 'events.jsonl'))).toHaveLength(9);
    // A fresh policy object: everything it knows comes from the checkpoint.
    const b = await evolve({ ...base, policy: createFakePolicy({ failImages: /broken/ }), out: outB, resume: true });
    expect(b.resumedFrom).toMatch(/step_00005$/);
    const [startA, ...restA] = readLines(a.eventsFile) as Record<string, unknown>[];
    const [startB, ...restB] = readLines(b.eventsFile) as Record<string, unknown>[];
    expect(restB).toEqual(restA);
    expect({ ...(startB.config as object), out: '' }).toEqual({ ...(startA.config as object), out: '' });
  });

  it('rejects bad inputs with teaching errors', async () => {
    const root = tmpDir();
    const images = makeImageDir(root, 2, ['broken.png']);
    const solverOnly = { ...createFakePolicy(), adapters: ['default'] };
    await expect(
      evolve({ policy: solverOnly, solverReward: fakeSolverReward, proposerReward: fakeProposerReward, images, out: path.join(root, 'x') }),
    ).rejects.toThrow(/adapters 'default' \(solver\) and 'proposer'/);
    await expect(
      evolve({
        policy: createFakePolicy(),
        solverReward: { name: 'short', score: () => [{ value: 1 }] },
        proposerReward: fakeProposerReward,
        images,
        out: path.join(root, 'y'),
      }),
    ).rejects.toThrow(/solver reward 'short' returned 1 results for 5 completions/);
    await expect(
      evolve({
        policy: createFakePolicy({ failImages: /png$/ }),
        solverReward: fakeSolverReward,
        proposerReward: fakeProposerReward,
        images,
        out: path.join(root, 'z'),
      }),
    ).rejects.toThrow(/none of the 3 images could be loaded/);
    const err = await evolve({
      policy: createFakePolicy(),
      solverReward: fakeSolverReward,
      proposerReward: fakeProposerReward,
      images,
      out: path.join(root, 'w'),
      iteration: 3,
    } as never).catch((e: unknown) => e);
    expect(EvolmmError.isInstance(err) && err.code).toBe('INVALID_CONFIG');
    expect((err as Error).message).toMatch(/unknown key 'iteration' \(did you mean 'iterations'\?\)/);
  });
});

/**
 * The deterministic run of the kill/resume test, shared by the in-process reference run and the child process
 * (evolve-child.ts, bundled with esbuild and run with plain node).
 */
import { evolve, type EvolveResult } from '../evolve.js';
import { createFakePolicy } from './fake-policy.js';
import { fakeProposerReward, fakeSolverReward } from './fake-rewards.js';

export const KILL_RUN_ITERATIONS = 40;

export function runKillScenario(opts: {
  out: string;
  images: string;
  resume: boolean;
  stepDelayMs?: number;
  saveDelayMs?: number;
}): Promise<EvolveResult> {
  return evolve({
    policy: createFakePolicy({ failImages: /broken/, stepDelayMs: opts.stepDelayMs, saveDelayMs: opts.saveDelayMs }),
    solverReward: fakeSolverReward,
    proposerReward: fakeProposerReward,
    images: opts.images,
    out: opts.out,
    iterations: KILL_RUN_ITERATIONS,
    checkpointEvery: 3,
    proposerUpdateEvery: 2,
    resume: opts.resume,
  });
}

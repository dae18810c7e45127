import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../event-log.js';
import { createFakePolicy } from './__fixtures__/fake-policy.js';
import { fakeProposerReward, fakeSolverReward } from './__fixtures__/fake-rewards.js';
import { makeImageDir, tmpDir } from './__fixtures__/run-helpers.js';
import { evolve } from './evolve.js';
import type { IterationEvent } from './evolve-events.js';
import { renderRunReport } from './run-report.js';
import { metricTrend, summarizeRun } from './run-summary.js';
import { linePlotSvg, movingAverage, niceTicks } from './svg-plot.js';

describe('run summary and report', () => {
  it('metricTrend: mean and first/last tenths, skipping nulls', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(metricTrend(xs)).toEqual({ mean: 10.5, first: 1.5, last: 19.5, count: 20 });
    expect(metricTrend([null, 2, undefined, 4])).toEqual({ mean: 3, first: 2, last: 4, count: 2 });
    expect(metricTrend([])).toEqual({ mean: null, first: null, last: null, count: 0 });
  });

  it('summarises and renders a real run', async () => {
    const root = tmpDir();
    const res = await evolve({
      policy: createFakePolicy(),
      solverReward: fakeSolverReward,
      proposerReward: fakeProposerReward,
      images: makeImageDir(root, 4),
      out: path.join(root, 'run'),
      iterations: 20,
    });
    const events = readJsonl(res.eventsFile);
    const it = events.slice(1) as IterationEvent[];
    const s = summarizeRun(events);
    const meanReward = it.reduce((a, e) => a + e.solver.rewards.reduce((x, y) => x + y, 0) / 5, 0) / 20;
    expect(s.solverReward.mean).toBeCloseTo(meanReward, 12);
    expect(s.solverReward.first).toBeCloseTo((it[0].solver.rewards.reduce((x, y) => x + y) + it[1].solver.rewards.reduce((x, y) => x + y)) / 10, 12);
    expect(s.entropy.last).toBeCloseTo((it[18].entropy + it[19].entropy) / 2, 12);
    expect(s.klProposer.count).toBe(4); // updates at 5, 10, 15, 20
    expect(s.beta.solver).toEqual({ initial: 1e-3, final: it[19].solver.betaAfter });
    expect(s.updates).toEqual({ solver: 100, proposer: 4 });
    expect(s).toEqual(res.summary);

    const { html, markdown } = renderRunReport(events, { title: 'test <run>' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('test &lt;run&gt;');
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(markdown).toContain(`| solver reward (mean of group) | ${s.solverReward.mean!.toFixed(4)} |`);
    expect(markdown).toContain('| optimiser steps (solver / proposer) | 100 / 4 |');
  });

  it('svg helpers: ticks, gaps, log axis, smoothing', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 100, 4)).toEqual([50, 100]); // raw step 24.75 → 50
    expect(niceTicks(-0.3, 0.3)).toEqual([-0.2, 0, 0.2]);
    const svg = linePlotSvg([{ label: 'a', points: [[1, 1], [2, null], [3, 2], [4, 3]] }], { title: 't' });
    // The gap splits the path into two runs.
    expect(svg.match(/<path d="([^"]*)"/)![1].match(/M/g)).toHaveLength(2);
    const log = linePlotSvg([{ label: 'β', points: [[1, 1e-3], [2, 1e-4], [3, 0]] }], { title: 'b', logY: true });
    expect(log.match(/<path d="([^"]*)"/)![1].match(/[ML]/g)).toHaveLength(2);
    expect(linePlotSvg([], { title: 'x' })).toContain('no data');
    expect(movingAverage([[1, 1], [2, 3], [3, null], [4, 5]], 2)).toEqual([[1, 1], [2, 2], [3, 2], [4, 4]]);
  });
});

describe('sft report', () => {
  it('plots NLL per step and tabulates epochs', () => {
    const events = [
      { type: 'run_start', kind: 'sft' },
      ...[0, 1].flatMap((epoch) => [1, 2].map((k) => ({ type: 'step', step: epoch * 2 + k, epoch, loss: 1, nll: 4 - (epoch * 2 + k), kl: 0 }))),
    ];
    const { html, markdown } = renderRunReport(events);
    expect(markdown).toContain('| 1 | 2 | 2.5000 | 3.0000 | 2.0000 |');
    expect(markdown).toContain('| 2 | 2 | 0.5000 | 1.0000 | 0.0000 |');
    expect(html.match(/<svg /g)).toHaveLength(1);
    expect(html).toContain('evolmm sft run');
  });
});

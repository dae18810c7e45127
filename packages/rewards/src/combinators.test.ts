import { EvolmmError, type RewardGroup, type RewardPlugin, type RewardResult } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { gate, product, weightedSum } from './combinators.js';
import { formatReward } from './format.js';
import { evolmmSolverReward } from './self-consistency.js';

/** A plugin returning fixed values and one component. */
function fixed(name: string, values: number[], async = false): RewardPlugin {
  return {
    name,
    score: () => {
      const r = values.map((v) => ({ value: v, components: { raw: v * 10 } }));
      return async ? Promise.resolve(r) : r;
    },
  };
}
const group = { completions: ['a', 'b', 'c'] };

/** Scores and asserts the result came back synchronously (the combinators stay sync over sync parts). */
function scoreSync(plugin: RewardPlugin, g: RewardGroup = group): { value: number; components: Record<string, number> }[] {
  const r = plugin.score(g);
  if (!Array.isArray(r)) throw new Error('expected a synchronous result');
  return (r as RewardResult[]).map((x) => ({ value: x.value, components: { ...x.components } }));
}

describe('weightedSum', () => {
  it('Σ w·v with every part kept in components, prefixed by name', () => {
    const r = scoreSync(
      weightedSum([
        { plugin: fixed('x', [1, 0, 0.5]), weight: 2 },
        { plugin: fixed('y', [0.25, 1, 0]), weight: -1 },
      ]),
    );
    expect(r.map((x) => x.value)).toEqual([1.75, -1, 1]);
    expect(r[0].components).toEqual({ x: 1, 'x.raw': 10, y: 0.25, 'y.raw': 2.5 });
  });

  it('is synchronous when the parts are, a Promise when one is async', async () => {
    const sync = weightedSum([{ plugin: fixed('x', [1, 1, 1]), weight: 1 }]).score(group);
    expect(Array.isArray(sync)).toBe(true);
    const mixed = weightedSum([
      { plugin: fixed('x', [1, 1, 1]), weight: 1 },
      { plugin: fixed('y', [1, 2, 3], true), weight: 1 },
    ]).score(group);
    expect(mixed).toBeInstanceOf(Promise);
    expect((await mixed).map((x) => x.value)).toEqual([2, 3, 4]);
  });

  it('repeated names are disambiguated', () => {
    const r = scoreSync(
      weightedSum([
        { plugin: fixed('x', [1, 1, 1]), weight: 1 },
        { plugin: fixed('x', [2, 2, 2]), weight: 1 },
      ]),
    );
    expect(r[0].components).toMatchObject({ x: 1, 'x#2': 2 });
  });

  it('rejects non-finite weights and parts that return the wrong number of results', () => {
    expect(() => weightedSum([{ plugin: fixed('x', [1]), weight: Number.NaN }])).toThrow(EvolmmError);
    expect(() => weightedSum([{ plugin: fixed('x', [1]), weight: 1 }]).score(group)).toThrow(/one result per completion/);
  });
});

describe('product', () => {
  it('Π v with components', () => {
    const r = scoreSync(product([fixed('x', [0.5, 1, 0]), fixed('y', [0.5, 0.3, 1])]));
    expect(r.map((x) => x.value)).toEqual([0.25, 0.3, 0]);
    expect(Object.keys(r[0].components).sort()).toEqual(['x', 'x.raw', 'y', 'y.raw']);
  });
});

describe('gate', () => {
  it('passes the plugin value where the gate reaches the threshold, else `otherwise`', () => {
    const r = scoreSync(gate(fixed('g', [1, 0.4, 0.5]), fixed('p', [0.7, 0.8, 0.9]), 0.5, { otherwise: -1 }));
    expect(r.map((x) => x.value)).toEqual([0.7, -1, 0.9]);
    expect(r[1].components).toMatchObject({ g: 0.4, p: 0.8, 'gate.passed': 0 });
  });

  it('a format gate over the EvoLMM solver reward (docs/method.md §9 D9)', async () => {
    const completions = ['<answer>3</answer>', '<answer>3</answer>', 'I think\n3', '<answer>4</answer>'];
    const gated = await gate(formatReward(), evolmmSolverReward(), 1).score({ completions });
    const plain = await evolmmSolverReward().score({ completions });
    expect(gated.map((x) => x.value)).toEqual([plain[0].value, plain[1].value, 0, plain[3].value]);
    expect(gated[0].components?.['evolmm-solver.agreement']).toBe(0.75); // the untagged "3" (last line) still votes
  });
});

import type { RewardGroup, RewardPlugin } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { keywordReward } from './keyword-reward.js';

async function values(plugin: RewardPlugin, completions: string[]): Promise<number[]> {
  const group: RewardGroup = { completions };
  return (await plugin.score(group)).map((r) => r.value);
}

describe('keywordReward', () => {
  it('scores the share of keywords found, one result per completion', async () => {
    const plugin = keywordReward({ keywords: ['revenue', 'Q3', 'growth rate'] });
    expect(plugin.name).toBe('keyword');
    const r = await plugin.score({
      completions: ['Revenue rose in q3.', 'The growth rate was 5%; revenue fell in Q3', 'nothing here'],
    });
    expect(r.map((x) => x.value)).toEqual([2 / 3, 1, 0]);
    expect(r.map((x) => x.components?.hits)).toEqual([2, 3, 0]);
  });

  it('matches whole words only, and honours caseSensitive', async () => {
    expect(await values(keywordReward({ keywords: ['cat'] }), ['concatenate', 'a cat.', 'CAT'])).toEqual([0, 1, 1]);
    expect(await values(keywordReward({ keywords: ['cat'], caseSensitive: true }), ['CAT', 'cat'])).toEqual([0, 1]);
  });

  it('treats regex characters in keywords literally', async () => {
    expect(await values(keywordReward({ keywords: ['$5.00', '(a)'] }), ['pay $5.00 for (a)', 'pay $5x00'])).toEqual([
      1, 0,
    ]);
  });

  it('an empty keyword list gives 1; odd outputs give finite values in [0, 1]', async () => {
    expect(await values(keywordReward({ keywords: [] }), ['x'])).toEqual([1]);
    const plugin = keywordReward({ keywords: ['a', 'b'] });
    const odd = ['', '\u0000', '🙂'.repeat(100_000), 'a'.repeat(1 << 20), '<answer>', undefined as unknown as string];
    for (const v of await values(plugin, odd)) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('is a RewardPlugin of the published @evolmm/core contract', () => {
    const plugin: RewardPlugin = keywordReward({ keywords: ['x'] });
    expect(plugin.specificationVersion).toBe('v1');
    expect(typeof plugin.score).toBe('function');
  });
});

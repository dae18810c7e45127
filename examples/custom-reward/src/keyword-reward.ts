import type { RewardGroup, RewardPlugin, RewardResult } from '@evolmm/core';

export interface KeywordRewardOptions {
  /** Words or phrases an output should mention. */
  keywords: readonly string[];
  /** Match case exactly. Default false. */
  caseSensitive?: boolean;
  /** Plugin name, used as the prefix of its components in combinators. Default 'keyword'. */
  name?: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Share of `keywords` that occur as whole words in each completion (1 when the list is empty).
 * Components: `hits`, the number of keywords found.
 */
export function keywordReward(opts: KeywordRewardOptions): RewardPlugin {
  const flags = opts.caseSensitive ? 'u' : 'iu';
  // Whole words: no letter or digit right before or after the keyword ("cat" does not match "concatenate").
  const patterns = opts.keywords.map((k) => new RegExp(`(?<![\\p{L}\\p{N}])${escape(k)}(?![\\p{L}\\p{N}])`, flags));
  return {
    specificationVersion: 'v1',
    name: opts.name ?? 'keyword',
    score(group: RewardGroup): RewardResult[] {
      return group.completions.map((completion) => {
        const text = typeof completion === 'string' ? completion : ''; // never throw on odd output
        const hits = patterns.filter((p) => p.test(text)).length;
        return { value: patterns.length === 0 ? 1 : hits / patterns.length, components: { hits } };
      });
    },
  };
}

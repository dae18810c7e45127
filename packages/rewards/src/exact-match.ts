import type { RewardPlugin, RewardResult } from '@evolmm/core';
import { answersOf, referenceOf } from './group-input.js';
import { normalizeText, type NormalizeOptions } from './normalize-text.js';

export interface ExactMatchOptions extends NormalizeOptions {
  /** Plugin name (prefix of components in combinators). Default 'exact-match'. */
  name?: string;
}

/**
 * 1 when an answer equals `group.reference` after normalisation (NormalizeOptions), else 0. Answers are
 * `group.answers`, or parseAnswer of each completion. Throws only when the group has no reference.
 * Components: `match` (0/1).
 */
export function exactMatchReward(opts: ExactMatchOptions = {}): RewardPlugin {
  const name = opts.name ?? 'exact-match';
  return {
    specificationVersion: 'v1',
    name,
    score(group): RewardResult[] {
      const gold = normalizeText(referenceOf(group, name), opts);
      return answersOf(group).map((answer) => {
        const match = normalizeText(answer, opts) === gold ? 1 : 0;
        return { value: match, components: { match } };
      });
    },
  };
}

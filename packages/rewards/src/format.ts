/**
 * Format reward: whether an output uses the EvoLMM tags (docs/method.md §2). Solver: one `<answer>…</answer>`
 * with non-empty content. Proposer: one `<question>…</question>` then one `<rationale>…</rationale>`, both
 * non-empty. Tags are case-sensitive, as the parser's.
 */
import type { RewardPlugin, RewardResult } from '@evolmm/core';
import { checkNumber, completionsOf } from './group-input.js';

export interface FormatRewardOptions {
  /** Which role's format to check. Default 'solver'. */
  role?: 'solver' | 'proposer';
  /** Also require nothing but whitespace outside the tags (proposer), or after `</answer>` (solver). Default false. */
  strict?: boolean;
  /** Value for an output whose tags are present but not well-formed. Default 0. */
  partialCredit?: number;
  /** Plugin name. Default 'format'. */
  name?: string;
}

function count(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

interface TagCheck {
  present: boolean;
  wellFormed: boolean;
  start: number;
  end: number;
}

function checkTag(text: string, tag: string): TagCheck {
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  const start = text.indexOf(open);
  const endTag = text.indexOf(close);
  const present = start >= 0 && endTag >= 0;
  const wellFormed =
    present &&
    count(text, open) === 1 &&
    count(text, close) === 1 &&
    start < endTag &&
    text.slice(start + open.length, endTag).trim() !== '';
  return { present, wellFormed, start, end: endTag + close.length };
}

/** Value 1 when well-formed, `partialCredit` when the tags occur but are malformed, else 0. */
export function formatReward(opts: FormatRewardOptions = {}): RewardPlugin {
  const name = opts.name ?? 'format';
  const role = opts.role ?? 'solver';
  const strict = opts.strict ?? false;
  const partial = checkNumber(name, 'partialCredit', opts.partialCredit ?? 0, { min: 0, max: 1 });
  return {
    specificationVersion: 'v1',
    name,
    score(group): RewardResult[] {
      return completionsOf(group).map((text) => {
        let present: boolean;
        let wellFormed: boolean;
        if (role === 'solver') {
          const a = checkTag(text, 'answer');
          present = a.present;
          wellFormed = a.wellFormed && (!strict || text.slice(a.end).trim() === '');
        } else {
          const q = checkTag(text, 'question');
          const r = checkTag(text, 'rationale');
          present = q.present && r.present;
          wellFormed =
            q.wellFormed &&
            r.wellFormed &&
            q.end <= r.start &&
            (!strict || (text.slice(0, q.start) + text.slice(q.end, r.start) + text.slice(r.end)).trim() === '');
        }
        const value = wellFormed ? 1 : present ? partial : 0;
        return { value, components: { tagsPresent: present ? 1 : 0, wellFormed: wellFormed ? 1 : 0 } };
      });
    },
  };
}

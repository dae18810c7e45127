import { describe, expect, it } from 'vitest';
import { formatReward } from './format.js';

async function values(plugin: ReturnType<typeof formatReward>, completions: string[]) {
  return (await plugin.score({ completions })).map((r) => r.value);
}

describe('formatReward — solver', () => {
  it('1 for one non-empty <answer> tag, 0 when missing, partialCredit when malformed', async () => {
    const outputs = [
      'think <answer>42</answer>',
      '<answer>42</answer> trailing words',
      'no tag 42',
      '<answer>42', // unclosed
      '<answer> </answer>', // empty
      '<answer>1</answer><answer>2</answer>', // two
      '</answer>42<answer>', // reversed
      '<ANSWER>42</ANSWER>', // case-sensitive, like the parser
    ];
    expect(await values(formatReward(), outputs)).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
    expect(await values(formatReward({ partialCredit: 0.5 }), outputs)).toEqual([1, 1, 0, 0, 0.5, 0.5, 0.5, 0]);
    expect(await values(formatReward({ strict: true }), outputs.slice(0, 2))).toEqual([1, 0]);
  });

  it('components say whether the tags are present and well-formed', async () => {
    const r = await formatReward().score({ completions: ['<answer></answer>'] });
    expect(r[0].components).toEqual({ tagsPresent: 1, wellFormed: 0 });
  });
});

describe('formatReward — proposer', () => {
  it('needs <question> then <rationale>, both non-empty', async () => {
    const outputs = [
      '<question>How many bars?</question>\n<rationale>Counting.</rationale>',
      'Sure! <question>How many bars?</question><rationale>Counting.</rationale>',
      '<rationale>Counting.</rationale><question>How many bars?</question>',
      '<question>How many bars?</question>',
      '<question></question><rationale>r</rationale>',
      'How many bars?',
    ];
    expect(await values(formatReward({ role: 'proposer' }), outputs)).toEqual([1, 1, 0, 0, 0, 0]);
    expect(await values(formatReward({ role: 'proposer', strict: true }), outputs)).toEqual([1, 0, 0, 0, 0, 0]);
    expect(await values(formatReward({ role: 'proposer', partialCredit: 0.25 }), outputs)).toEqual([
      1, 1, 0.25, 0, 0.25, 0,
    ]);
  });
});

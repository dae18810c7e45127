import { describe, expect, it } from 'vitest';
import { PROPOSER_PROMPT, solverPrompt } from './evolmm-prompts.js';

describe('EvoLMM prompts (docs/method.md §2, byte-exact)', () => {
  it('proposer: first line unindented, following lines indented by 16 spaces, tag lines by 18, U+2013', () => {
    const lines = PROPOSER_PROMPT.split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe('You are a Question Proposer.');
    expect(lines.slice(1).every((l) => l.startsWith(' '.repeat(16)) && l[16] !== undefined)).toBe(true);
    expect(lines[6]).toBe(' '.repeat(18) + '<question> ... </question>');
    expect(PROPOSER_PROMPT).toContain('1\u20132 sentences');
    expect(PROPOSER_PROMPT.endsWith('Only output the two XML tags, nothing else.')).toBe(true);
  });
  it('solver: ends with the question', () => {
    const p = solverPrompt('How many bars?');
    expect(p.startsWith('You are a precise Vision-Language Solver.\n' + ' '.repeat(16) + 'Task:')).toBe(true);
    expect(p.endsWith('\n' + ' '.repeat(16) + 'Question: How many bars?')).toBe(true);
    expect(p).toContain('<answer>...</answer>');
  });
});

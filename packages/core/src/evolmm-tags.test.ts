import { describe, expect, it } from 'vitest';
import {
  DEFAULT_QUESTION,
  extractTag,
  hasAnswerTag,
  parseAnswer,
  parseQuestion,
  parseRationale,
  preAnswerWordCount,
} from './evolmm-tags.js';

describe('extractTag', () => {
  it('returns the trimmed content between the first open tag and the next close tag', () => {
    expect(extractTag('x <a> 1 </a> <a>2</a>', 'a')).toBe('1');
  });
  it('needs both tags', () => {
    expect(extractTag('<a> 1', 'a')).toBeUndefined();
    expect(extractTag('1 </a>', 'a')).toBeUndefined();
  });
  it('is case-sensitive', () => {
    expect(extractTag('<A>1</A>', 'a')).toBeUndefined();
  });
  it('keeps the remainder when the close tag only precedes the open tag', () => {
    expect(extractTag('</a> <a> tail ', 'a')).toBe('tail');
  });
});

describe('parseQuestion', () => {
  it('takes the question tag and turns newlines into spaces', () => {
    expect(parseQuestion('<question>How many\nbars?</question><rationale>r</rationale>')).toBe('How many bars?');
  });
  it('falls back to the whole trimmed output when the tag is missing, unclosed or empty', () => {
    expect(parseQuestion('  What is shown?\n')).toBe('What is shown?');
    expect(parseQuestion('<question>What is shown?')).toBe('<question>What is shown?');
    expect(parseQuestion('<question></question> rest')).toBe('<question></question> rest');
  });
  it('uses the default question for empty output', () => {
    expect(parseQuestion('')).toBe(DEFAULT_QUESTION);
    expect(parseQuestion(' \n\t ')).toBe(DEFAULT_QUESTION);
  });
  it('parses the rationale for logging', () => {
    expect(parseRationale('<question>q</question><rationale> because </rationale>')).toBe('because');
    expect(parseRationale('<question>q</question>')).toBeUndefined();
  });
});

describe('parseAnswer', () => {
  it('takes the answer tag', () => {
    expect(parseAnswer('I think\n<answer> 42 </answer>')).toBe('42');
  });
  it('an empty tag gives the empty string', () => {
    expect(parseAnswer('<answer></answer>')).toBe('');
  });
  it('without a complete tag: the last non-empty trimmed line', () => {
    expect(parseAnswer('step one\n  forty two  \n\n')).toBe('forty two');
    expect(parseAnswer('reasoning\n<answer>42')).toBe('<answer>42');
  });
  it('empty output gives "unknown"', () => {
    expect(parseAnswer('')).toBe('unknown');
    expect(parseAnswer('\n \n')).toBe('unknown');
  });
  it('hasAnswerTag needs a complete tag', () => {
    expect(hasAnswerTag('<answer>1</answer>')).toBe(true);
    expect(hasAnswerTag('<answer>1')).toBe(false);
  });
});

describe('preAnswerWordCount', () => {
  it('counts words before the first <answer>, case-insensitively', () => {
    expect(preAnswerWordCount('one two three <ANSWER>4</ANSWER>')).toBe(3);
    expect(preAnswerWordCount('<answer>4</answer>')).toBe(0);
  });
  it('counts the whole output when there is no tag', () => {
    expect(preAnswerWordCount('a b\nc\t d')).toBe(4);
    expect(preAnswerWordCount('')).toBe(0);
  });
});

/**
 * Parsing of EvoLMM generations, as the reference code does it (docs/method.md §2 "Parsing").
 * Generations arrive decoded with special tokens skipped; every function here trims first.
 */
import { pySplit, pyStrip } from './python-text.js';

/** The question used when the Proposer's output is empty (docs/method.md §2). */
export const DEFAULT_QUESTION = 'What is the most prominent value shown in the image?';

/**
 * The content of `<tag>…</tag>`: requires both the opening and the closing tag to occur (case-sensitive); returns
 * the text after the first opening tag, cut at the next closing tag, trimmed. Returns undefined otherwise.
 * (Like the reference's split-based code, a closing tag that occurs only before the opening tag leaves the
 * remainder uncut.)
 */
export function extractTag(text: string, tag: string): string | undefined {
  const open = `<${tag}>`;
  const close = `</${tag}>`;
  if (!text.includes(open) || !text.includes(close)) return undefined;
  const after = text.slice(text.indexOf(open) + open.length);
  const end = after.indexOf(close);
  return pyStrip(end >= 0 ? after.slice(0, end) : after);
}

/**
 * The Proposer's question: the `<question>` tag, else the whole output (when the tag is missing, unclosed or
 * empty); newlines become spaces; falls back to DEFAULT_QUESTION when nothing is left.
 */
export function parseQuestion(output: string): string {
  const text = pyStrip(output);
  const tagged = extractTag(text, 'question');
  const q = pyStrip((tagged ? tagged : text).replace(/\r\n|\r|\n/g, ' '));
  return q === '' ? DEFAULT_QUESTION : q;
}

/** The Proposer's rationale (only logged), or undefined. */
export function parseRationale(output: string): string | undefined {
  return extractTag(pyStrip(output), 'rationale');
}

/**
 * The Solver's final answer: the `<answer>` tag (an empty tag gives ""), else the last non-empty trimmed line of
 * the output (tolerates a missing closing tag), else "unknown".
 */
export function parseAnswer(output: string): string {
  const text = pyStrip(output);
  const tagged = extractTag(text, 'answer');
  if (tagged !== undefined) return tagged;
  const lines = text.split(/\r\n|\r|\n/).map(pyStrip).filter((l) => l !== '');
  return lines.length > 0 ? lines[lines.length - 1] : 'unknown';
}

/** Whether the output carries a complete `<answer>…</answer>` tag (used by the format reward and gates). */
export function hasAnswerTag(output: string): boolean {
  return extractTag(output, 'answer') !== undefined;
}

/**
 * w_i of the length penalty (docs/method.md §4): whitespace-separated words of the raw output before the first
 * `<answer>` (case-insensitive), or of the whole output when there is none.
 */
export function preAnswerWordCount(output: string): number {
  const idx = output.toLowerCase().indexOf('<answer>');
  return pySplit(idx >= 0 ? output.slice(0, idx) : output).length;
}

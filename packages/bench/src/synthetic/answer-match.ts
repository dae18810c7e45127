/**
 * Scoring of synthetic-chart answers: find the final answer in a model output, then compare it with the exact
 * answer — numerically for numbers (tiny relative tolerance), as normalised text for labels. Pure and total: never
 * throws, never evaluates the output.
 */
import { extractTag, normalizeAnswer, pyStrip } from '@evolmm/core';
import type { AnswerType } from './chart-types.js';

/** Relative tolerance of numeric answers: only float formatting noise, not approximate reading. */
export const NUMERIC_TOLERANCE = 1e-6;

const BOXED = /\\boxed\{([^{}]*)\}/g;
const ANSWER_IS = /answer\s*(?:is|:)\s*/gi;
const NUMBER = /[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/g;

/**
 * The final answer of an output, trimmed: the EvoLMM `<answer>` tag, else the last `\boxed{…}`, else the text after
 * the last "answer is" / "answer:" (to the end of that line), else the last non-empty line.
 */
export function extractFinalAnswer(output: string): string {
  const text = pyStrip(output);
  const tagged = extractTag(text, 'answer');
  if (tagged !== undefined) return tagged;
  const boxed = [...text.matchAll(BOXED)];
  if (boxed.length > 0) return pyStrip(boxed[boxed.length - 1][1]);
  let after: string | undefined;
  for (const m of text.matchAll(ANSWER_IS)) after = text.slice(m.index + m[0].length);
  if (after !== undefined) {
    const line = pyStrip(after.split(/\r\n|\r|\n/)[0]);
    if (line !== '') return line;
  }
  const lines = text.split(/\r\n|\r|\n/).map(pyStrip).filter((l) => l !== '');
  return lines.length > 0 ? lines[lines.length - 1] : '';
}

/** The number a final answer states: the whole answer when it is a number (commas, %, trailing dot allowed), else its last number. */
export function answerNumber(answer: string): number | undefined {
  const cleaned = answer.replaceAll(',', '');
  const matches = cleaned.match(NUMBER);
  if (!matches) return undefined;
  const v = Number(matches[matches.length - 1]);
  return Number.isFinite(v) ? v : undefined;
}

export interface AnswerMatch {
  readonly correct: boolean;
  /** What was compared: the canonical number, or the normalised label; null when the output has no answer. */
  readonly prediction: string | null;
}

export interface ExpectedAnswer {
  readonly answer: string;
  readonly answerType: AnswerType;
  readonly aliases?: readonly string[];
}

/** Compares a raw model output with the exact answer of an item. */
export function matchAnswer(output: string, expected: ExpectedAnswer): AnswerMatch {
  const final = extractFinalAnswer(typeof output === 'string' ? output : '');
  const normalized = normalizeAnswer(final);
  if (normalized === '') return { correct: false, prediction: null };
  if (expected.answerType === 'number') {
    const gold = Number(expected.answer);
    const got = answerNumber(final);
    if (got === undefined) return { correct: false, prediction: normalized };
    return { correct: Math.abs(got - gold) <= NUMERIC_TOLERANCE * Math.max(1, Math.abs(gold)), prediction: String(got) };
  }
  // Labels: the normalised answer, or its last word ("bar C", "the month MAR" name the label last).
  const words = normalized.split(' ');
  const prediction = words[words.length - 1];
  const accepted = [expected.answer, ...(expected.aliases ?? [])].map(normalizeAnswer);
  return { correct: accepted.includes(normalized) || accepted.includes(prediction), prediction };
}

/**
 * Answer equivalence for the group rewards. EvoLMM counts two answers as the same iff their normalised strings
 * are identical (docs/method.md §3); a matcher lets numeric or semantic equivalence replace that. Matchers
 * receive the extracted answers (parseAnswer output), not normalised ones, so a numeric matcher still sees "-3".
 */
import { normalizeAnswer } from '@evolmm/core';
import { checkNumber } from './group-input.js';
import { readQuantity, resolveCompareOptions, quantitiesClose, type NumericCompareOptions } from './numeric-tolerance.js';
import { textSimilarity, type TextSimilarityOptions } from './text-similarity.js';

/** Whether two extracted answers count as the same answer. Should be symmetric and must not throw. */
export type AnswerMatcher = (a: string, b: string) => boolean;

// Clustering compares each answer with several representatives; remembering recent normalisations keeps that
// linear in the total text length even for very long outputs. Bounded, so memory stays small.
const normalized = new Map<string, string>();
function normalizeCached(text: string): string {
  let out = normalized.get(text);
  if (out === undefined) {
    out = normalizeAnswer(text);
    if (normalized.size >= 256) normalized.clear();
    normalized.set(text, out);
  }
  return out;
}

/** EvoLMM's rule: identical after normalizeAnswer (docs/method.md §3). The default everywhere. */
export const stringMatcher: AnswerMatcher = (a, b) => normalizeCached(a) === normalizeCached(b);

/**
 * Numeric equivalence (symmetric relative tolerance: |a − b| ≤ max(abs, rel · max(|a|, |b|))). When either
 * answer is not a number, falls back to stringMatcher.
 */
export function numericMatcher(opts: NumericCompareOptions = {}): AnswerMatcher {
  const compare = resolveCompareOptions('numericMatcher', opts);
  return (a, b) => {
    const qa = readQuantity(a, compare.extract);
    const qb = readQuantity(b, compare.extract);
    if (qa === undefined || qb === undefined) return stringMatcher(a, b);
    return quantitiesClose(qa, qb, compare, 'max');
  };
}

export interface SemanticMatcherOptions extends TextSimilarityOptions {
  /** Answers match when similarity ≥ threshold. Default 0.9. */
  threshold?: number;
}

/**
 * Equivalence by string similarity (text-similarity.ts): normalised-equal answers always match; otherwise
 * similarity ≥ threshold. TF-IDF idf comes from the two answers alone.
 */
export function semanticMatcher(opts: SemanticMatcherOptions = {}): AnswerMatcher {
  const threshold = checkNumber('semanticMatcher', 'threshold', opts.threshold ?? 0.9, { min: 0, max: 1 });
  return (a, b) => stringMatcher(a, b) || textSimilarity(a, b, opts) >= threshold;
}

/** The answer classes of a group. */
export interface AnswerClusters {
  /** Class index of each answer, classes numbered in first-seen order. */
  readonly labels: number[];
  /** Members (answer indices, ascending) of each class; the first member is the class representative. */
  readonly classes: number[][];
}

/**
 * Groups answers into classes under `matcher`, deterministically: answers are visited in order and each joins
 * the first existing class whose representative (first member) it matches, else opens a new class. For a
 * transitive matcher (string equality) this is the exact partition; for tolerance or similarity matchers it is
 * the greedy first-seen partition. A matcher that throws counts as "no match".
 */
export function clusterAnswers(answers: readonly string[], matcher: AnswerMatcher = stringMatcher): AnswerClusters {
  const labels: number[] = [];
  const classes: number[][] = [];
  if (matcher === stringMatcher) {
    // Equality of normalised strings is transitive: one normalisation per answer gives the same partition.
    const byKey = new Map<string, number>();
    answers.forEach((answer, i) => {
      const key = normalizeAnswer(answer);
      let k = byKey.get(key);
      if (k === undefined) {
        k = classes.length;
        byKey.set(key, k);
        classes.push([]);
      }
      classes[k].push(i);
      labels.push(k);
    });
    return { labels, classes };
  }
  answers.forEach((answer, i) => {
    const k = classes.findIndex((members) => {
      try {
        return matcher(answers[members[0]], answer) === true;
      } catch {
        return false;
      }
    });
    if (k >= 0) {
      classes[k].push(i);
      labels.push(k);
    } else {
      classes.push([i]);
      labels.push(classes.length - 1);
    }
  });
  return { labels, classes };
}

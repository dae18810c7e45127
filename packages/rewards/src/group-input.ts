/**
 * Reading a RewardGroup defensively. Rewards must never throw on odd model output (spec/reward.ts), so anything
 * that comes from the model is coerced to a string; mistakes of the caller (wrong lengths, bad options) throw an
 * EvolmmError that says what to fix.
 */
import { EvolmmError, parseAnswer, type RewardGroup } from '@evolmm/core';

/** A model output as a string, whatever arrived (undefined, null, numbers from a JS caller). */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  try {
    return String(value);
  } catch {
    return '';
  }
}

/** The raw completions of a group, as strings. */
export function completionsOf(group: RewardGroup): string[] {
  const completions = Array.isArray(group.completions) ? group.completions : [];
  return completions.map(asText);
}

/**
 * The extracted final answers: `group.answers` when given, else `parseAnswer` on each completion (the EvoLMM
 * extraction rule, docs/method.md §2).
 */
export function answersOf(group: RewardGroup): string[] {
  const completions = completionsOf(group);
  if (group.answers === undefined) return completions.map(parseAnswer);
  if (!Array.isArray(group.answers) || group.answers.length !== completions.length) {
    throw new EvolmmError(
      'INVALID_ARGUMENT',
      `RewardGroup.answers must hold one answer per completion: expected ${completions.length}, found ` +
        `${Array.isArray(group.answers) ? group.answers.length : typeof group.answers}. Pass one extracted answer ` +
        'per completion, or leave `answers` out to extract them with parseAnswer.',
    );
  }
  return group.answers.map(asText);
}

/** The gold answer of a reference-based reward; throws when the group has none. */
export function referenceOf(group: RewardGroup, plugin: string): string {
  if (typeof group.reference !== 'string') {
    throw new EvolmmError(
      'INVALID_ARGUMENT',
      `the "${plugin}" reward compares answers with group.reference, but the group has ${
        group.reference === undefined ? 'no reference' : `a ${typeof group.reference} reference`
      }. Pass the gold answer as a string in \`reference\`, or use a label-free reward (evolmmSolverReward).`,
    );
  }
  return group.reference;
}

/** Validates a numeric option at construction time. */
export function checkNumber(
  plugin: string,
  name: string,
  value: number,
  range: { min?: number; max?: number; minExclusive?: boolean } = {},
): number {
  const { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, minExclusive = false } = range;
  const ok = typeof value === 'number' && Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
  if (!ok) {
    const lo = min === Number.NEGATIVE_INFINITY ? '' : `${minExclusive ? '>' : '≥'} ${min}`;
    const hi = max === Number.POSITIVE_INFINITY ? '' : `≤ ${max}`;
    throw new EvolmmError(
      'INVALID_ARGUMENT',
      `${plugin}: option \`${name}\` must be a finite number ${[lo, hi].filter(Boolean).join(' and ')}; found ${String(value)}.`,
      { details: { option: name, value } },
    );
  }
  return value;
}

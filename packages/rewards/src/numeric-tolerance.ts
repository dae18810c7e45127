/**
 * Numeric comparison with absolute and relative tolerance over parsed quantities (parse-number.ts), and the
 * reward built on it. `mode: 'chartqa'` swaps in ChartQA's official relaxed accuracy (docs/benchmarks.md §3.1).
 */
import { normalizeAnswer, type RewardPlugin, type RewardResult } from '@evolmm/core';
import { answersOf, checkNumber, referenceOf } from './group-input.js';
import { lastQuantity, parseQuantity, type Quantity } from './parse-number.js';
import { relaxedCorrectness } from './relaxed-accuracy.js';

export interface NumericCompareOptions {
  /** Pass when |a − b| ≤ absTolerance. Default 1e-9. */
  absTolerance?: number;
  /** Pass when |a − b| ≤ relTolerance · |reference| (symmetric matchers use max(|a|, |b|)). Default 1e-6. */
  relTolerance?: number;
  /**
   * How "50%" compares: 'either' (default) accepts 50 or 0.5, 'fraction' only 0.5, 'number' only 50.
   */
  percent?: 'either' | 'fraction' | 'number';
  /** 'ignore' (default) compares values only; 'strict' also requires the same unit text (none = none). */
  units?: 'ignore' | 'strict';
  /** 'whole' (default): the answer must be one number; 'last-number': use the last number written in it. */
  extract?: 'whole' | 'last-number';
}

function candidates(q: Quantity, percent: NonNullable<NumericCompareOptions['percent']>): number[] {
  if (!q.percent || percent === 'number') return [q.value];
  if (percent === 'fraction') return [q.value / 100];
  return [q.value, q.value / 100];
}

/** Reads a quantity under the extraction option. */
export function readQuantity(text: string, extract: NumericCompareOptions['extract'] = 'whole'): Quantity | undefined {
  return extract === 'last-number' ? (parseQuantity(text) ?? lastQuantity(text)) : parseQuantity(text);
}

/** Validated, defaulted comparison options. */
export function resolveCompareOptions(plugin: string, opts: NumericCompareOptions) {
  return {
    absTolerance: checkNumber(plugin, 'absTolerance', opts.absTolerance ?? 1e-9, { min: 0 }),
    relTolerance: checkNumber(plugin, 'relTolerance', opts.relTolerance ?? 1e-6, { min: 0 }),
    percent: opts.percent ?? 'either',
    units: opts.units ?? 'ignore',
    extract: opts.extract ?? 'whole',
  } as const;
}

/**
 * Whether quantities `a` and `b` are equal within tolerance. `scale` chooses what the relative tolerance is
 * relative to: the second argument (a reference) or the larger magnitude (symmetric, for matchers).
 */
export function quantitiesClose(
  a: Quantity,
  b: Quantity,
  opts: ReturnType<typeof resolveCompareOptions>,
  scale: 'reference' | 'max' = 'reference',
): boolean {
  if (opts.units === 'strict' && (a.unit ?? '') !== (b.unit ?? '')) return false;
  for (const x of candidates(a, opts.percent)) {
    for (const y of candidates(b, opts.percent)) {
      const diff = Math.abs(x - y);
      const base = scale === 'max' ? Math.max(Math.abs(x), Math.abs(y)) : Math.abs(y);
      if (diff <= opts.absTolerance || diff <= opts.relTolerance * base) return true;
    }
  }
  return false;
}

export interface NumericRewardOptions extends NumericCompareOptions {
  /** Plugin name. Default 'numeric'. */
  name?: string;
  /**
   * 'tolerance' (default) uses the options above. 'chartqa' scores with relaxedCorrectness(answer, reference,
   * relTolerance ?? 0.05), exactly as the official scorer (the other options are unused). The official scorer
   * does no extraction: pass the cleaned generations as `group.answers` to avoid parseAnswer's trimming.
   */
  mode?: 'tolerance' | 'chartqa';
  /**
   * When the reference is not a number: 'exact' (default) compares EvoLMM-normalised strings
   * (docs/method.md §3), 'zero' scores 0.
   */
  nonNumericReference?: 'exact' | 'zero';
}

/**
 * 1 when an answer equals `group.reference` numerically (within tolerance), else 0. Components: `correct` (0/1)
 * and, in tolerance mode, `parsed` (1 when the answer was read as a number).
 */
export function numericReward(opts: NumericRewardOptions = {}): RewardPlugin {
  const name = opts.name ?? 'numeric';
  const mode = opts.mode ?? 'tolerance';
  if (mode === 'chartqa') {
    const tolerance = checkNumber(name, 'relTolerance', opts.relTolerance ?? 0.05, { min: 0 });
    return {
      specificationVersion: 'v1',
      name,
      score(group): RewardResult[] {
        const gold = referenceOf(group, name);
        return answersOf(group).map((answer) => {
          const correct = relaxedCorrectness(answer, gold, tolerance) ? 1 : 0;
          return { value: correct, components: { correct } };
        });
      },
    };
  }
  const compare = resolveCompareOptions(name, opts);
  const fallback = opts.nonNumericReference ?? 'exact';
  return {
    specificationVersion: 'v1',
    name,
    score(group): RewardResult[] {
      const goldText = referenceOf(group, name);
      const gold = parseQuantity(goldText);
      return answersOf(group).map((answer) => {
        const q = readQuantity(answer, compare.extract);
        let correct: number;
        if (gold === undefined) {
          correct = fallback === 'exact' && normalizeAnswer(answer) === normalizeAnswer(goldText) ? 1 : 0;
        } else {
          correct = q !== undefined && quantitiesClose(q, gold, compare, 'reference') ? 1 : 0;
        }
        return { value: correct, components: { correct, parsed: q === undefined ? 0 : 1 } };
      });
    },
  };
}

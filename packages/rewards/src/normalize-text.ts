/**
 * Configurable answer normalisation for exact-match rewards. The defaults follow the SQuAD-style rule that QA
 * benchmarks use (lower case, drop punctuation and the articles a/an/the, collapse whitespace) with one change for
 * numbers: a decimal point between digits is kept ("3.5" stays "3.5", SQuAD would give "35") and thousands commas
 * are removed ("1,000" → "1000"). `mode: 'evolmm'` uses the paper's own normaliser instead (docs/method.md §3).
 */
import { normalizeAnswer } from '@evolmm/core';

export interface NormalizeOptions {
  /** 'custom' applies the flags below; 'evolmm' is core's normalizeAnswer (the flags are ignored). Default 'custom'. */
  mode?: 'custom' | 'evolmm';
  /** Compare case-insensitively. Default true. */
  caseInsensitive?: boolean;
  /** Trim and collapse runs of whitespace to one space. Default true. */
  whitespace?: boolean;
  /** Replace Unicode punctuation and symbols (P*, S*) by spaces, keeping decimal points between digits. Default true. */
  punctuation?: boolean;
  /** Drop the English articles a, an, the as whole words, unless nothing else is left ("A" stays). Default true. */
  articles?: boolean;
  /**
   * Drop units written next to a number ("5 cm" → "5", "$5" → "5", "50%" → "50"). `true` uses DEFAULT_UNITS; an
   * array gives your own unit words/symbols. Default false.
   */
  units?: boolean | readonly string[];
}

/** Units removed by `units: true`: symbols and common words that follow (or, for currencies, precede) a number. */
export const DEFAULT_UNITS: readonly string[] = [
  '%', 'percent', 'per cent', '°', '°c', '°f', 'degrees', 'degree', 'deg',
  'mm', 'cm', 'm', 'km', 'in', 'inch', 'inches', 'ft', 'feet', 'foot', 'yd', 'mi', 'miles', 'meters', 'metres',
  'mg', 'g', 'kg', 'lb', 'lbs', 'oz', 'tons', 'ml', 'l', 'liters', 'litres',
  's', 'sec', 'seconds', 'min', 'minutes', 'h', 'hr', 'hours', 'days', 'years', 'yrs',
  'm²', 'cm²', 'km²', 'm^2', 'cm^2', 'units', 'points', 'pts',
  '$', '€', '£', '¥', '₹', 'usd', 'eur', 'gbp', 'dollars', 'euros',
];

const CURRENCY_PREFIX = /[$€£¥₹]\s*(?=[-+]?\.?\d)/gu;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function unitPattern(units: readonly string[]): RegExp | undefined {
  const list = [...new Set(units.map((u) => u.trim()).filter((u) => u !== ''))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return undefined;
  // A unit directly after a number, not followed by a letter or digit (so "5 min" loses "min", "5 minds" does not).
  return new RegExp(`(\\d)\\s*(?:${list.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}
const DEFAULT_UNIT_PATTERN = unitPattern(DEFAULT_UNITS);

/** Normalises one answer string under `opts` (see NormalizeOptions for the defaults). Never throws. */
export function normalizeText(text: string, opts: NormalizeOptions = {}): string {
  if (opts.mode === 'evolmm') return normalizeAnswer(text);
  const {
    caseInsensitive = true,
    whitespace = true,
    punctuation = true,
    articles = true,
    units = false,
  } = opts;
  let s = text;
  if (units !== false) {
    const pattern = units === true ? DEFAULT_UNIT_PATTERN : unitPattern(units);
    s = s.replace(CURRENCY_PREFIX, '');
    if (pattern) s = s.replace(pattern, '$1');
  }
  if (caseInsensitive) s = s.toLowerCase();
  if (punctuation) {
    s = s
      .replace(/(\d),(?=\d{3}(?!\d))/g, '$1') // thousands separators: "1,000" → "1000"
      .replace(/(\d)\.(?=\d)/g, '$1\u0000') // protect decimal points between digits
      .replace(/[\p{P}\p{S}]/gu, ' ')
      .replaceAll('\u0000', '.');
  }
  if (articles) {
    // Unlike SQuAD, an answer that is only an article is kept, so the option letter "A" does not become "" (and
    // equal to "the").
    const without = s.replace(/(?<![\p{L}\p{N}])(?:a|an|the)(?![\p{L}\p{N}])/giu, ' ');
    if (/[\p{L}\p{N}]/u.test(without)) s = without;
  }
  if (whitespace) s = s.split(/\s+/u).filter((t) => t !== '').join(' ');
  return s;
}

import { didYouMean } from '../closest-match.js';
import { EvolmmError } from '../errors.js';

/** A value check: undefined when fine, else what was expected ("an integer ≥ 1"). */
export type Check = (v: unknown) => string | undefined;

export const int =
  (min: number): Check =>
  (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min ? undefined : `an integer ≥ ${min}`;

export const num =
  (lo: number, hi: number, loOpen = false, hiOpen = false): Check =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi)
      ? undefined
      : `a number in ${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? '∞' : hi}${hiOpen || hi === Infinity ? ')' : ']'}`;

export const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'true or false');

export const oneOf =
  (...values: string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `one of ${values.map((x) => `'${x}'`).join(', ')}`;

export const str: Check = (v) => (typeof v === 'string' && v !== '' ? undefined : 'a non-empty string');

export const seedCheck: Check = (v) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? undefined : 'a non-negative integer';

export function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Checks every key of a plain object against `checks`, collecting all problems (unknown keys get a did-you-mean
 * hint); `extra` adds cross-field problems. Throws one INVALID_CONFIG error listing them all.
 */
export function validatePlain(
  obj: unknown,
  checks: Record<string, Check>,
  opts: { where: string; allowKeys?: readonly string[]; extra?: (rec: Record<string, unknown>) => string[] },
): Record<string, unknown> {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new EvolmmError('INVALID_CONFIG', `${opts.where} must be an object of settings, found ${show(obj)}`);
  }
  const rec = obj as Record<string, unknown>;
  const allowed = new Set([...Object.keys(checks), ...(opts.allowKeys ?? [])]);
  const problems: string[] = [];
  for (const [key, value] of Object.entries(rec)) {
    if (!allowed.has(key)) {
      problems.push(`unknown key '${key}'${didYouMean(key, allowed)}`);
      continue;
    }
    const check = checks[key];
    if (check === undefined || value === undefined) continue;
    const expected = check(value);
    if (expected !== undefined) problems.push(`'${key}' must be ${expected}, found ${show(value)}`);
  }
  problems.push(...(opts.extra?.(rec) ?? []));
  if (problems.length > 0) {
    throw new EvolmmError(
      'INVALID_CONFIG',
      `${opts.where} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}\nValid keys: ${Object.keys(checks).join(', ')}.`,
      { details: { problems } },
    );
  }
  return rec;
}

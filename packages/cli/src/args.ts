import { parseArgs } from 'node:util';
import { EvolmmError, didYouMean } from '@evolmm/core';
import type { Command, ParsedValues } from './command.js';

/** Options every command accepts. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h', description: 'show help for this command' },
} as const;

/** Parses argv for one command; unknown flags and wrong positional counts become usage errors that teach. */
export function parseCommandArgs(cmd: Command, argv: readonly string[]): { values: ParsedValues; positionals: string[] } {
  const options = { ...cmd.options, ...COMMON_OPTIONS };
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(options)) {
    config[name] = { type: spec.type, ...('short' in spec && spec.short ? { short: spec.short } : {}), ...('multiple' in spec && spec.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: config, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageErrorFrom(err, cmd, Object.keys(options));
  }
  const values: ParsedValues = { ...(parsed.values as ParsedValues) };
  for (const [name, spec] of Object.entries(cmd.options)) {
    if (values[name] === undefined && spec.default !== undefined) values[name] = spec.default;
  }
  if (values.help) return { values, positionals: parsed.positionals };
  const [min, max] = cmd.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) {
    const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new EvolmmError(
      'INVALID_ARGUMENT',
      `evolmm ${cmd.name} takes ${want} argument(s), got ${parsed.positionals.length}` +
        (parsed.positionals.length ? ` (${parsed.positionals.join(' ')})` : '') +
        `.\nusage: evolmm ${cmd.name} ${cmd.usage}\nrun 'evolmm ${cmd.name} --help' for examples`,
    );
  }
  return { values, positionals: parsed.positionals };
}

function usageErrorFrom(err: unknown, cmd: Command, known: string[]): EvolmmError {
  const msg = err instanceof Error ? err.message : String(err);
  const unknown = /Unknown option '(-{1,2})([^']+)'/.exec(msg);
  if (unknown) {
    const flag = unknown[2];
    const hint = didYouMean(flag, known);
    return new EvolmmError(
      'INVALID_ARGUMENT',
      `evolmm ${cmd.name}: unknown option '${unknown[1]}${flag}'${hint.replace(/'([^']+)'/, "'--$1'")}.\n` +
        `run 'evolmm ${cmd.name} --help' to see the options`,
      { details: { option: flag } },
    );
  }
  return new EvolmmError('INVALID_ARGUMENT', `evolmm ${cmd.name}: ${msg}\nrun 'evolmm ${cmd.name} --help' to see the options`);
}

export function stringOpt(values: ParsedValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listOpt(values: ParsedValues, name: string): string[] {
  const v = values[name];
  const raw = Array.isArray(v) ? (v as unknown[]).map(String) : typeof v === 'string' ? [v] : [];
  return raw.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

export function intOpt(values: ParsedValues, name: string, opts: { min?: number } = {}): number | undefined {
  const v = stringOpt(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || (opts.min !== undefined && n < opts.min)) {
    throw new EvolmmError('INVALID_ARGUMENT', `--${name} must be an integer${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}, got '${v}'`);
  }
  return n;
}

export function floatOpt(values: ParsedValues, name: string): number | undefined {
  const v = stringOpt(values, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new EvolmmError('INVALID_ARGUMENT', `--${name} must be a number, got '${v}'`);
  return n;
}

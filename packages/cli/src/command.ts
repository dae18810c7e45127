import type { CliIo } from './io.js';

/** One option of a subcommand, in util.parseArgs terms plus help text. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  readonly default?: string | boolean;
  readonly valueName?: string;
  readonly description: string;
}

export type ParsedValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CommandContext {
  readonly io: CliIo;
  readonly values: ParsedValues;
  readonly positionals: readonly string[];
}

export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage line after `evolmm <name>`, e.g. "<benchmark> <predictions-file> [--json]". */
  readonly usage: string;
  readonly description?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Positional argument count accepted: [min, max]. */
  readonly positionals: readonly [number, number];
  readonly examples: readonly string[];
  /** Returns the exit code. */
  run(ctx: CommandContext): Promise<number>;
}

import { EvolmmError, didYouMean } from '@evolmm/core';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { commandHelp, mainHelp } from './help.js';
import type { CliIo } from './io.js';
import { writeLine } from './io.js';
import { VERSION } from './version.js';

/** Runs `evolmm <argv>` and returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo, commands: readonly Command[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    io.stdout.write(topic ? commandHelp(topic) : mainHelp(commands, VERSION));
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    writeLine(io.stdout, VERSION);
    return EXIT.ok;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    writeLine(
      io.stderr,
      `error: unknown command '${name}'${didYouMean(name, commands.map((c) => c.name))}. ` +
        `Commands: ${commands.map((c) => c.name).join(', ')}. Run 'evolmm --help'.`,
    );
    return EXIT.usage;
  }
  const wantsJson = rest.includes('--json');
  try {
    const { values, positionals } = parseCommandArgs(cmd, rest);
    if (values.help) {
      io.stdout.write(commandHelp(cmd));
      return EXIT.ok;
    }
    return await cmd.run({ io, values, positionals });
  } catch (err) {
    return reportError(err, io, wantsJson);
  }
}

function reportError(err: unknown, io: CliIo, json: boolean): number {
  if (EvolmmError.isInstance(err)) {
    writeLine(io.stderr, `error: ${err.message}`);
    if (json) writeLine(io.stdout, JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } }));
    return exitCodeFor(err.code);
  }
  if (io.signal.aborted) {
    writeLine(io.stderr, 'interrupted');
    return EXIT.interrupted;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  writeLine(io.stderr, `internal error: ${e.message}\n${e.stack ?? ''}\nThis is a bug in evolmm; please report it with the command you ran.`);
  if (json) writeLine(io.stdout, JSON.stringify({ error: { code: 'INTERNAL', message: e.message } }));
  return EXIT.internal;
}

import { PassThrough } from 'node:stream';
import type { Command } from '../src/command.js';
import { COMMANDS } from '../src/commands/index.js';
import type { CliIo } from '../src/io.js';
import { main } from '../src/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `evolmm <args>` in-process with captured output; the real commands unless others are given. */
export async function evolmm(args: string[], cwd = process.cwd(), commands: readonly Command[] = COMMANDS): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  const io: CliIo = { stdout, stderr, cwd, env: {}, signal: new AbortController().signal };
  const code = await main(args, io, commands);
  return { code, stdout: out, stderr: err };
}

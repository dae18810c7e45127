import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EvolmmError } from '@evolmm/core';
import type { Command } from './command.js';
import type { CliIo } from './io.js';
import { main } from './main.js';

function capture(): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += String(d)));
  stderr.on('data', (d) => (e += String(d)));
  return { io: { stdout, stderr, cwd: process.cwd(), env: {}, signal: new AbortController().signal }, out: () => o, err: () => e };
}

const echo: Command = {
  name: 'echo',
  summary: 'echo arguments',
  usage: '<word>',
  positionals: [1, 1],
  options: { loud: { type: 'boolean', description: 'shout' }, times: { type: 'string', default: '1', description: 'repeat' } },
  examples: ['evolmm echo hi'],
  async run({ io, values, positionals }) {
    if (positionals[0] === 'missing') throw new EvolmmError('NOT_FOUND', 'no such thing; create it first');
    if (positionals[0] === 'bug') throw new Error('boom');
    const w = values.loud ? positionals[0]!.toUpperCase() : positionals[0]!;
    io.stdout.write(`${Array(Number(values.times)).fill(w).join(' ')}\n`);
    return 0;
  },
};

describe('main', () => {
  it('runs a command with options and defaults', async () => {
    const c = capture();
    expect(await main(['echo', 'hi', '--loud', '--times', '2'], c.io, [echo])).toBe(0);
    expect(c.out()).toBe('HI HI\n');
  });

  it('suggests the closest command and exits 2', async () => {
    const c = capture();
    expect(await main(['ecko', 'x'], c.io, [echo])).toBe(2);
    expect(c.err()).toContain("unknown command 'ecko'");
    expect(c.err()).toContain("'echo'");
  });

  it('suggests the closest option and exits 2', async () => {
    const c = capture();
    expect(await main(['echo', 'x', '--lod'], c.io, [echo])).toBe(2);
    expect(c.err()).toContain("unknown option '--lod'");
    expect(c.err()).toContain("'--loud'");
  });

  it('rejects a wrong number of arguments with the usage line', async () => {
    const c = capture();
    expect(await main(['echo'], c.io, [echo])).toBe(2);
    expect(c.err()).toContain('usage: evolmm echo <word>');
  });

  it('maps EvolmmError codes to exit codes and prints JSON errors with --json', async () => {
    const c = capture();
    // --json is not an option of echo, so the parse fails first: exit 2 and a JSON error on stdout.
    expect(await main(['echo', 'missing', '--json'], c.io, [echo])).toBe(2);
    expect(JSON.parse(c.out()).error.code).toBe('INVALID_ARGUMENT');
    const d = capture();
    expect(await main(['echo', 'missing'], d.io, [echo])).toBe(3);
    expect(d.err()).toContain('error: no such thing; create it first');
  });

  it('reports unexpected errors as internal (exit 1) with a bug hint', async () => {
    const c = capture();
    expect(await main(['echo', 'bug'], c.io, [echo])).toBe(1);
    expect(c.err()).toContain('internal error: boom');
  });

  it('prints help with options and examples', async () => {
    const c = capture();
    expect(await main(['echo', '--help'], c.io, [echo])).toBe(0);
    expect(c.out()).toContain('--times <times>');
    expect(c.out()).toContain('(default: 1)');
    expect(c.out()).toContain('evolmm echo hi');
    const d = capture();
    expect(await main([], d.io, [echo])).toBe(0);
    expect(d.out()).toContain('echo');
  });
});

import { describe, expect, it } from 'vitest';
import { EvolmmError } from '@evolmm/core';
import type { Command } from './command.js';
import { evolmm } from '../test/cli-helpers.js';

const run = (args: string[]) => evolmm(args, process.cwd(), [echo]);

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
    const c = await run(['echo', 'hi', '--loud', '--times', '2']);
    expect(c.code).toBe(0);
    expect(c.stdout).toBe('HI HI\n');
  });

  it('suggests the closest command and exits 2', async () => {
    const c = await run(['ecko', 'x']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("unknown command 'ecko'");
    expect(c.stderr).toContain("'echo'");
  });

  it('suggests the closest option and exits 2', async () => {
    const c = await run(['echo', 'x', '--lod']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("unknown option '--lod'");
    expect(c.stderr).toContain("'--loud'");
  });

  it('rejects a wrong number of arguments with the usage line', async () => {
    const c = await run(['echo']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('usage: evolmm echo <word>');
  });

  it('maps EvolmmError codes to exit codes and prints JSON errors with --json', async () => {
    // --json is not an option of echo, so the parse fails first: exit 2 and a JSON error on stdout.
    const c = await run(['echo', 'missing', '--json']);
    expect(c.code).toBe(2);
    expect(JSON.parse(c.stdout).error.code).toBe('INVALID_ARGUMENT');
    const d = await run(['echo', 'missing']);
    expect(d.code).toBe(3);
    expect(d.stderr).toContain('error: no such thing; create it first');
  });

  it('reports unexpected errors as internal (exit 1) with a bug hint', async () => {
    const c = await run(['echo', 'bug']);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('internal error: boom');
  });

  it('prints help with options and examples', async () => {
    const c = await run(['echo', '--help']);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('--times <times>');
    expect(c.stdout).toContain('(default: 1)');
    expect(c.stdout).toContain('evolmm echo hi');
    const d = await run([]);
    expect(d.code).toBe(0);
    expect(d.stdout).toContain('echo');
  });
});

import type { Command, OptionSpec } from './command.js';
import { COMMON_OPTIONS } from './args.js';

export function commandHelp(cmd: Command): string {
  const lines = [`evolmm ${cmd.name} ${cmd.usage}`, '', cmd.summary];
  if (cmd.description) lines.push('', cmd.description);
  const opts: Record<string, OptionSpec> = { ...cmd.options, ...COMMON_OPTIONS };
  const entries = Object.entries(opts).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : '    ';
    const value = spec.type === 'string' ? ` <${spec.valueName ?? name}>` : '';
    const def = spec.default !== undefined && spec.type === 'string' ? ` (default: ${String(spec.default)})` : '';
    const multi = spec.multiple ? ' (repeatable)' : '';
    return [`  ${short}--${name}${value}`, `${spec.description}${def}${multi}`] as const;
  });
  const width = Math.min(36, Math.max(...entries.map(([l]) => l.length)) + 2);
  lines.push('', 'Options:');
  for (const [left, right] of entries) lines.push(left.length >= width ? `${left}\n${' '.repeat(width)}${right}` : left.padEnd(width) + right);
  if (cmd.examples.length) lines.push('', 'Examples:', ...cmd.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

export function mainHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    `evolmm ${version} — label-free self-evolution (EvoLMM) and benchmarks for Qwen2-VL / Qwen2.5-VL`,
    '',
    'Usage: evolmm <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'evolmm <command> --help' for options and examples.",
    'Exit codes: 0 ok · 1 internal error · 2 usage · 3 bad input · 4 backend unavailable · 5 remote error · 130 interrupted',
    '',
  ].join('\n');
}

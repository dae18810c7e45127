import fs from 'node:fs';
import path from 'node:path';
import { EvolmmError } from '@evolmm/core';
import { parse as parseYaml } from 'yaml';

/** Reads a JSON or YAML config file into a plain object, with errors that name the file and the line. */
export function readConfigFile(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) throw new EvolmmError('NOT_FOUND', `config file ${file} does not exist`);
  const text = fs.readFileSync(file, 'utf8');
  let value: unknown;
  try {
    value = path.extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new EvolmmError('INVALID_CONFIG', `cannot parse ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new EvolmmError('INVALID_CONFIG', `${file} must hold a mapping of option names to values, found ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

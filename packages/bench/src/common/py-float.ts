/**
 * Python `float(str)` via @evolmm/rewards' `parsePythonFloat`, behind a linear-time guard: a float literal never has
 * whitespace between its characters, so text that still has inner whitespace once its edges are stripped is
 * rejected here without parsing (same result; megabyte outputs full of spaces stay cheap). The original text is
 * what gets parsed, so the exact edge-stripping rules of `float()` stay with `parsePythonFloat`.
 */
import { parsePythonFloat } from '@evolmm/rewards';
import { hasPySpace, pyStrip } from './py-strip.js';

export function pyFloat(text: string): number | undefined {
  const core = pyStrip(text);
  if (core.length === 0 || hasPySpace(core)) return undefined;
  return parsePythonFloat(text);
}

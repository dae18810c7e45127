/**
 * The EvoLMM answer normaliser (docs/method.md §3), byte-for-byte the reference rule:
 *   strip → lower → remove every comma → \n,\t → space → collapse whitespace → strip punctuation and spaces at both ends.
 * Two answers agree iff their normalised strings are identical.
 */
import { PY_PUNCTUATION, pySplit, pyStrip, pyStripChars } from './python-text.js';

export function normalizeAnswer(answer: string): string {
  const a = pyStrip(answer).toLowerCase().replaceAll(',', '').replaceAll('\n', ' ').replaceAll('\t', ' ');
  return pyStripChars(pySplit(a).join(' '), PY_PUNCTUATION + ' ');
}

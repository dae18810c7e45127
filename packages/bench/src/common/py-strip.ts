// Python `str.strip()` and `str.isspace` come from core (linear time on any input, Python's whitespace set).
import { isPySpace } from '@evolmm/core';

export { isPySpace, pyStrip } from '@evolmm/core';

/** Whether the (already stripped) text contains any Python whitespace. */
export function hasPySpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isPySpace(s.charCodeAt(i))) return true;
  return false;
}

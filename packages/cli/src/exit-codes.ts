import type { EvolmmErrorCode } from '@evolmm/core';

/**
 * Exit codes that mean something to scripts:
 *   0 success · 1 internal error (a bug) · 2 usage error (bad flag, argument or config) ·
 *   3 input error (missing file/folder, not a Qwen2-VL model, unreadable image, bad checkpoint) ·
 *   4 backend unavailable or unsupported request · 5 remote server error · 130 interrupted (Ctrl-C).
 */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  input: 3,
  backend: 4,
  remote: 5,
  interrupted: 130,
} as const;

export function exitCodeFor(code: EvolmmErrorCode): number {
  switch (code) {
    case 'INVALID_ARGUMENT':
    case 'INVALID_CONFIG':
      return EXIT.usage;
    case 'NOT_FOUND':
    case 'MODEL_FORMAT':
    case 'IO':
    case 'CHECKPOINT':
      return EXIT.input;
    case 'UNSUPPORTED':
    case 'BACKEND_UNAVAILABLE':
      return EXIT.backend;
    case 'REMOTE':
      return EXIT.remote;
    case 'ABORTED':
      return EXIT.interrupted;
    case 'INTERNAL':
      return EXIT.internal;
  }
}

/**
 * One error type for the whole project. `code` is stable and machine-readable; the message says what was
 * expected, what was found and what to do next. `isInstance` works across duplicated copies of this package
 * (two versions in one node_modules) because it checks a global Symbol marker, not the class identity.
 */
export type EvolmmErrorCode =
  | 'INVALID_ARGUMENT' // a value passed by the caller is wrong
  | 'INVALID_CONFIG' // a config file or options object fails validation
  | 'NOT_FOUND' // a file, folder, model or item does not exist
  | 'UNSUPPORTED' // a valid request this implementation cannot serve
  | 'BACKEND_UNAVAILABLE' // a runtime (CUDA, tfjs-node, ...) cannot be loaded
  | 'MODEL_FORMAT' // a model folder is not what it claims (not Qwen2-VL, bad safetensors, ...)
  | 'IO' // reading or writing failed
  | 'CHECKPOINT' // a checkpoint is missing, incomplete or incompatible
  | 'ABORTED' // cancelled through an AbortSignal
  | 'REMOTE' // an HTTP backend answered with an error
  | 'INTERNAL'; // a bug: please report it

const MARKER = Symbol.for('evolmm.error');

export interface EvolmmErrorOptions {
  cause?: unknown;
  /** Structured details for programs (the offending path, the closest valid key, ...). */
  details?: Record<string, unknown>;
}

export class EvolmmError extends Error {
  readonly code: EvolmmErrorCode;
  readonly details: Record<string, unknown>;
  private readonly [MARKER] = true;

  constructor(code: EvolmmErrorCode, message: string, options: EvolmmErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EvolmmError';
    this.code = code;
    this.details = options.details ?? {};
  }

  static isInstance(value: unknown): value is EvolmmError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }
}

/** Aborts with a clear EvolmmError when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'operation'): void {
  if (signal?.aborted) throw new EvolmmError('ABORTED', `${what} was cancelled`, { cause: signal.reason });
}

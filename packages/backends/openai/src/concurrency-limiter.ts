import { EvolmmError } from '@evolmm/core';

/** A counting semaphore: at most `limit` holders at once, FIFO waiters, waiting is cancellable. */
export interface ConcurrencyLimiter {
  /** Resolves with a release function once a slot is free. Rejects with ABORTED if `signal` fires first. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** Slots held right now. */
  readonly active: number;
  /** Callers waiting for a slot. */
  readonly pending: number;
}

export function createConcurrencyLimiter(limit: number): ConcurrencyLimiter {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new EvolmmError('INVALID_ARGUMENT', `concurrency must be a positive integer, got ${limit}`);
  }
  let active = 0;
  const waiters: Array<() => void> = [];

  const makeRelease = () => {
    let done = false;
    return () => {
      if (done) return; // releasing twice must not free a second slot
      done = true;
      const next = waiters.shift();
      if (next) next(); // hand the slot over directly: `active` stays the same
      else active--;
    };
  };

  return {
    get active() {
      return active;
    },
    get pending() {
      return waiters.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(abortError(signal));
      if (active < limit) {
        active++;
        return Promise.resolve(makeRelease());
      }
      return new Promise((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(makeRelease());
        };
        const onAbort = () => {
          const i = waiters.indexOf(grant);
          if (i >= 0) waiters.splice(i, 1);
          reject(abortError(signal!));
        };
        waiters.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

function abortError(signal: AbortSignal): EvolmmError {
  return new EvolmmError('ABORTED', 'the request was cancelled while waiting for a free connection slot', { cause: signal.reason });
}

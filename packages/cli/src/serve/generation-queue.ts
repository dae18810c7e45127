import { EvolmmError } from '@evolmm/core';
import { HttpError } from './http-error.js';

export interface GenerationQueue {
  /**
   * Runs `task` when one of the `concurrency` slots is free. Throws 429 (with Retry-After) synchronously when
   * `maxQueue` tasks are already waiting, so a caller can still answer with a status code; the returned promise
   * rejects with ABORTED if `signal` fires while waiting.
   */
  run<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T>;
  readonly active: number;
  readonly queued: number;
}

/**
 * Bounded FIFO in front of the model: a local backend computes one generation at a time efficiently, so extra
 * clients wait here instead of piling onto the model, and a full queue answers 429 fast rather than letting
 * latency grow without bound. Clients such as @evolmm/backend-openai retry 429 after Retry-After.
 */
export function createGenerationQueue(concurrency: number, maxQueue: number, retryAfterSeconds = 1): GenerationQueue {
  let active = 0;
  const waiting: Array<() => void> = [];

  const next = () => {
    const start = waiting.shift();
    if (start) start();
    else active--;
  };

  return {
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
    run(task, signal) {
      if (active >= concurrency && waiting.length >= maxQueue) {
        throw new HttpError(
          429,
          `the server is busy: ${active} generation(s) running and ${waiting.length} waiting (queue limit ${maxQueue}); retry later`,
          'rate_limit_error',
          null,
          'queue_full',
          { 'retry-after': String(retryAfterSeconds) },
        );
      }
      return enter(task, signal);
    },
  };

  async function enter<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) throw new EvolmmError('ABORTED', 'client disconnected before generation started');
    if (active >= concurrency) {
      await new Promise<void>((resolve, reject) => {
        const start = () => {
          signal.removeEventListener('abort', onAbort);
          resolve(); // the slot passes from the finished task to this one: `active` is unchanged
        };
        const onAbort = () => {
          const i = waiting.indexOf(start);
          if (i >= 0) waiting.splice(i, 1);
          reject(new EvolmmError('ABORTED', 'client disconnected while waiting in the queue'));
        };
        waiting.push(start);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    } else {
      active++;
    }
    try {
      return await task();
    } finally {
      next();
    }
  }
}

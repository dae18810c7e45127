/**
 * When and how long to wait before retrying an HTTP call. Follows the common practice of OpenAI's own SDKs:
 * retry 408/409/429/5xx and network errors; honour `retry-after-ms` / `Retry-After` (seconds or an HTTP date);
 * otherwise exponential backoff with jitter so many clients that failed together do not retry together.
 */

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Milliseconds the server asked us to wait, or undefined when it did not say (or said something unparsable). */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  readonly baseDelayMs: number;
  /** Upper bound of any single wait, including a server's Retry-After. */
  readonly maxDelayMs: number;
}

/**
 * Delay before retry number `attempt` (0 = first retry). A server-given Retry-After wins (capped at maxDelayMs);
 * otherwise base·2^attempt with "equal jitter": uniformly in [d/2, d].
 */
export function retryDelayMs(attempt: number, opts: BackoffOptions, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, opts.maxDelayMs);
  const d = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
  return d / 2 + random() * (d / 2);
}

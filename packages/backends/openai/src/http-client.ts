import { EvolmmError } from '@evolmm/core';
import { remoteErrorMessage, truncate } from './chat-completion-wire.js';
import type { ConcurrencyLimiter } from './concurrency-limiter.js';
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from './retry-policy.js';

/** Reported before each retry, e.g. to log "retrying in 2.1 s after HTTP 429". */
export interface RetryInfo {
  /** 1 for the first retry. */
  readonly attempt: number;
  /** How long the client waits before the retry. */
  readonly delayMs: number;
  /** HTTP status of the failed attempt; undefined for network errors and timeouts. */
  readonly status?: number;
  readonly error: EvolmmError;
}

export interface HttpClientOptions {
  readonly baseURL: string;
  readonly apiKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  readonly limiter: ConcurrencyLimiter;
  readonly onRetry?: (info: RetryInfo) => void;
  /** Aborted by dispose(): cancels everything in flight. */
  readonly lifetime: AbortSignal;
}

type Attempt =
  | { ok: true; body: unknown }
  | { ok: false; error: EvolmmError; retryable: boolean; status?: number; retryAfterMs?: number };

export interface HttpClient {
  /** Sends one JSON request with retries, timeouts and the concurrency limit; resolves with the parsed JSON body. */
  json(method: 'GET' | 'POST', path: string, body: unknown, signal?: AbortSignal): Promise<unknown>;
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const base = opts.baseURL.replace(/\/+$/, '');

  async function attempt(method: string, url: string, body: unknown, signal: AbortSignal | undefined): Promise<Attempt> {
    // A cleared timer rather than AbortSignal.timeout(): thousands of finished requests must not leave timers behind.
    const timeoutCtl = new AbortController();
    const timer = setTimeout(() => timeoutCtl.abort(), opts.timeoutMs);
    const timeout = timeoutCtl.signal;
    const combined = AbortSignal.any([timeout, opts.lifetime, ...(signal ? [signal] : [])]);
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
    try {
      const res = await opts.fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: combined,
      });
      const text = await res.text(); // under the same signal: a stalled body also times out
      if (res.ok) {
        try {
          return { ok: true, body: JSON.parse(text) as unknown };
        } catch {
          return {
            ok: false,
            retryable: false,
            status: res.status,
            error: new EvolmmError('REMOTE', `${method} ${url} answered ${res.status} with a body that is not JSON: ${truncate(text, 200)}`, {
              details: { status: res.status, url },
            }),
          };
        }
      }
      const info = remoteErrorMessage(text);
      return {
        ok: false,
        retryable: isRetryableStatus(res.status),
        status: res.status,
        retryAfterMs: parseRetryAfter(res.headers),
        error: new EvolmmError('REMOTE', `${method} ${url} answered HTTP ${res.status}: ${info.message}${hint(res.status)}`, {
          details: { status: res.status, url, type: info.type, code: info.code, param: info.param },
        }),
      };
    } catch (err) {
      if (signal?.aborted || opts.lifetime.aborted) {
        const why = opts.lifetime.aborted && !signal?.aborted ? 'the model was disposed' : 'the request was cancelled';
        return { ok: false, retryable: false, error: new EvolmmError('ABORTED', `${method} ${url}: ${why}`, { cause: err }) };
      }
      if (timeout.aborted) {
        return {
          ok: false,
          retryable: true,
          error: new EvolmmError('REMOTE', `${method} ${url} timed out after ${opts.timeoutMs} ms; raise timeoutMs for long generations`, {
            cause: err,
            details: { url, timeoutMs: opts.timeoutMs },
          }),
        };
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (err as Error).message;
      return {
        ok: false,
        retryable: true,
        error: new EvolmmError('REMOTE', `could not reach ${url} (${reason}); is the server running and the baseURL right?`, {
          cause: err,
          details: { url },
        }),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async json(method, path, body, signal) {
      const url = `${base}${path}`;
      for (let n = 0; ; n++) {
        const release = await opts.limiter.acquire(anySignal(signal, opts.lifetime));
        let result: Attempt;
        try {
          result = await attempt(method, url, body, signal);
        } finally {
          // The slot is held only while a request is on the wire, not during backoff, so a retry storm on one
          // request does not starve the others.
          release();
        }
        if (result.ok) return result.body;
        if (!result.retryable || n >= opts.maxRetries) {
          if (n > 0 && result.retryable) result.error.details.attempts = n + 1;
          throw result.error;
        }
        const delayMs = retryDelayMs(n, { baseDelayMs: opts.retryBaseDelayMs, maxDelayMs: opts.retryMaxDelayMs }, result.retryAfterMs);
        opts.onRetry?.({ attempt: n + 1, delayMs, status: result.status, error: result.error });
        await sleep(delayMs, anySignal(signal, opts.lifetime));
      }
    },
  };
}

function hint(status: number): string {
  if (status === 401 || status === 403) return ' (check apiKey)';
  if (status === 404) return ' (check the baseURL — it usually ends in /v1 — and the model name; GET /v1/models lists them)';
  return '';
}

function anySignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new EvolmmError('ABORTED', 'the request was cancelled while waiting to retry', { cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new EvolmmError('ABORTED', 'the request was cancelled while waiting to retry', { cause: signal.reason }));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

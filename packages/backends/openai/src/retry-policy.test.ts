import { describe, expect, it } from 'vitest';
import { isRetryableStatus, parseRetryAfter, retryDelayMs } from './retry-policy.js';

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  it('reads retry-after-ms, delta-seconds and HTTP dates (RFC 9110 §10.2.3)', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '250' }), now)).toBe(250);
    expect(parseRetryAfter(new Headers({ 'retry-after': '3' }), now)).toBe(3000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 12:00:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 11:00:00 GMT' }), now)).toBe(0);
  });
  it('prefers retry-after-ms and ignores junk', () => {
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '10', 'retry-after': '9' }), now)).toBe(10);
    expect(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers({ 'retry-after-ms': '-1' }), now)).toBeUndefined();
    expect(parseRetryAfter(new Headers(), now)).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  const opts = { baseDelayMs: 100, maxDelayMs: 1000 };
  it('doubles per attempt with equal jitter in [d/2, d] and caps at maxDelayMs', () => {
    expect(retryDelayMs(0, opts, undefined, () => 0)).toBe(50);
    expect(retryDelayMs(0, opts, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(2, opts, undefined, () => 0.5)).toBe(300); // d = 400
    expect(retryDelayMs(10, opts, undefined, () => 1)).toBe(1000);
  });
  it('uses the server-given delay, capped', () => {
    expect(retryDelayMs(3, opts, 123, () => 0)).toBe(123);
    expect(retryDelayMs(0, opts, 60_000, () => 0)).toBe(1000);
  });
});

describe('isRetryableStatus', () => {
  it('retries 408, 409, 429 and 5xx only', () => {
    expect([400, 401, 404, 408, 409, 413, 422, 429, 500, 502, 503].filter(isRetryableStatus)).toEqual([408, 409, 429, 500, 502, 503]);
  });
});

import { describe, expect, it } from 'vitest';
import { EvolmmError, throwIfAborted } from './errors.js';

describe('EvolmmError', () => {
  it('carries a code, details and cause', () => {
    const cause = new Error('low level');
    const e = new EvolmmError('NOT_FOUND', 'no such folder ./m; pass a Qwen2-VL folder', { cause, details: { path: './m' } });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.details).toEqual({ path: './m' });
    expect(e.cause).toBe(cause);
    expect(e.name).toBe('EvolmmError');
  });
  it('isInstance recognises errors from another copy of the package by the global marker', () => {
    // A structurally separate object carrying the same Symbol.for marker, as a duplicated package would create.
    const foreign = Object.assign(new Error('x'), { [Symbol.for('evolmm.error')]: true, code: 'IO' });
    expect(EvolmmError.isInstance(foreign)).toBe(true);
    expect(EvolmmError.isInstance(new Error('x'))).toBe(false);
    expect(EvolmmError.isInstance(null)).toBe(false);
    expect(EvolmmError.isInstance('EvolmmError')).toBe(false);
  });
  it('throwIfAborted throws ABORTED only for aborted signals', () => {
    const c = new AbortController();
    expect(() => throwIfAborted(c.signal)).not.toThrow();
    c.abort();
    expect(() => throwIfAborted(c.signal, 'generation')).toThrow(/generation was cancelled/);
  });
});

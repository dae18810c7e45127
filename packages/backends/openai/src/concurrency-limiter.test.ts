import { describe, expect, it } from 'vitest';
import { createConcurrencyLimiter } from './concurrency-limiter.js';

describe('createConcurrencyLimiter', () => {
  it('grants at most `limit` slots and hands them over in FIFO order', async () => {
    const lim = createConcurrencyLimiter(2);
    const r1 = await lim.acquire();
    const r2 = await lim.acquire();
    const order: number[] = [];
    const w3 = lim.acquire().then((r) => (order.push(3), r));
    const w4 = lim.acquire().then((r) => (order.push(4), r));
    await Promise.resolve();
    expect([lim.active, lim.pending, order.length]).toEqual([2, 2, 0]);
    r1();
    r1(); // a double release must not free a second slot
    const r3 = await w3;
    expect([lim.active, lim.pending, order]).toEqual([2, 1, [3]]);
    r2();
    const r4 = await w4;
    expect(order).toEqual([3, 4]);
    r3();
    r4();
    expect([lim.active, lim.pending]).toEqual([0, 0]);
  });

  it('lets an aborted waiter leave the queue without taking a slot', async () => {
    const lim = createConcurrencyLimiter(1);
    const r1 = await lim.acquire();
    const ac = new AbortController();
    const waiting = lim.acquire(ac.signal);
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    expect(lim.pending).toBe(0);
    r1();
    expect(lim.active).toBe(0);
    await expect(lim.acquire(ac.signal)).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('rejects a non-positive limit', () => {
    expect(() => createConcurrencyLimiter(0)).toThrow(/positive integer/);
  });
});

import { describe, expect, it } from 'vitest';
import { createGenerationQueue } from './generation-queue.js';
import { HttpError } from './http-error.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createGenerationQueue', () => {
  it('runs at most `concurrency` tasks, in arrival order, and refuses with 429 + Retry-After when the queue is full', async () => {
    const q = createGenerationQueue(2, 2);
    const started: number[] = [];
    const gates = Array.from({ length: 4 }, deferred);
    const signal = new AbortController().signal;
    const runs = gates.map((g, i) => q.run(async () => (started.push(i), await g.promise, i), signal));
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1]);
    expect([q.active, q.queued]).toEqual([2, 2]);
    let refused: unknown;
    try {
      q.run(async () => 99, signal);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).status).toBe(429);
    expect((refused as HttpError).headers['retry-after']).toBe('1');
    gates[1]!.resolve();
    await runs[1];
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1, 2]);
    gates.forEach((g) => g.resolve());
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect([q.active, q.queued]).toEqual([0, 0]);
  });

  it('drops a waiting task whose client left, without running it', async () => {
    const q = createGenerationQueue(1, 5);
    const gate = deferred();
    const first = q.run(() => gate.promise, new AbortController().signal);
    const ac = new AbortController();
    let ran = false;
    const second = q.run(async () => {
      ran = true;
    }, ac.signal);
    expect(q.queued).toBe(1);
    ac.abort();
    await expect(second).rejects.toMatchObject({ code: 'ABORTED' });
    expect(q.queued).toBe(0);
    gate.resolve();
    await first;
    expect(ran).toBe(false);
    expect(q.active).toBe(0);
  });

  it('frees the slot when a task throws', async () => {
    const q = createGenerationQueue(1, 1);
    const signal = new AbortController().signal;
    await expect(q.run(async () => Promise.reject(new Error('x')), signal)).rejects.toThrow('x');
    expect(await q.run(async () => 7, signal)).toBe(7);
  });
});

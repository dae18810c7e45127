import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { EvolmmError, type EvolmmErrorCode, type PolicySample } from '@evolmm/core';
import type { PreparedInput } from '@evolmm/qwen-vl';
import type { LoraProjection } from './lora.js';

/**
 * Data parallelism over worker threads (issue 10: "use both cores"). The wasm backend runs one thread per
 * isolate, so a step's samples are split into shards: the calling thread computes one, each worker thread — a
 * full model replica in its own isolate and wasm heap — computes another, and the gradient sums are added. The
 * loss terms are normalised by the step's sample count (train-step.ts), so the sum is the step's gradient exactly
 * (up to float summation order); clipping and AdamW then run once, on the calling thread.
 */

/** An adapter's structure and current values, sent with every request so replicas never drift. */
export interface AdapterSnapshot {
  name: string;
  rank: number;
  alpha: number;
  dropout: number;
  targets: readonly LoraProjection[];
  /** Values of adapterVariables() in order. */
  values: Float32Array[];
}

export interface ShardRequest {
  adapter: AdapterSnapshot;
  prepared: PreparedInput;
  samples: readonly PolicySample[];
  beta: number;
  totalSamples: number;
  /** Seeds the shard's dropout stream; null without dropout. */
  dropoutSeed: number | null;
  lossChunk: number;
  recompute: boolean;
  microBatch: number;
}

export interface ShardResult {
  grads: Float32Array[];
  loss: number;
  nll: number[];
  kl: number[];
  tokens: number;
}

type WorkerMessage =
  | { type: 'ready' }
  | ({ type: 'result'; id: number } & ShardResult)
  | { type: 'error'; id: number; code: string; message: string };

interface Pending {
  resolve: (r: ShardResult) => void;
  reject: (e: Error) => void;
}

/** One worker thread holding a model replica. */
class ReplicaWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if (m.type === 'error') p.reject(new EvolmmError(m.code as EvolmmErrorCode, `data-parallel worker: ${m.message}`));
      else p.resolve(m);
    });
    const fail = (e: Error) => {
      this.failure = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(new EvolmmError('INTERNAL', `data-parallel worker crashed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) => {
      if (code !== 0) fail(new EvolmmError('INTERNAL', `data-parallel worker exited with code ${code}`));
    });
  }

  /** Starts a worker and resolves once its replica is loaded. */
  static start(dir: string, options: Record<string, unknown>): Promise<ReplicaWorker> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(workerScript(), { workerData: { dir, options } });
      const onError = (e: Error) => reject(new EvolmmError('BACKEND_UNAVAILABLE', `data-parallel worker failed to load ${dir}: ${e.message}`, { cause: e }));
      const onExit = (code: number) => reject(new EvolmmError('BACKEND_UNAVAILABLE', `data-parallel worker exited with code ${code} while loading ${dir}`));
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.once('message', (m: WorkerMessage) => {
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (m.type === 'ready') {
          worker.unref();
          resolve(new ReplicaWorker(worker));
        } else if (m.type === 'error') {
          void worker.terminate();
          reject(new EvolmmError(m.code as EvolmmErrorCode, `data-parallel worker failed to load ${dir}: ${m.message}`));
        }
      });
    });
  }

  run(req: ShardRequest): Promise<ShardResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      // The adapter values are copies made for this request: hand their buffers over instead of cloning them.
      this.worker.postMessage({ type: 'shard', id, req }, req.adapter.values.map((v) => v.buffer as ArrayBuffer));
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** The worker threads of one model (replicas 2..n; replica 1 is the calling thread). */
export class ReplicaPool {
  private constructor(readonly workers: readonly ReplicaWorker[]) {}

  /** Loads `count` replicas of the model folder in parallel. */
  static async start(dir: string, options: Record<string, unknown>, count: number): Promise<ReplicaPool> {
    const started = await Promise.allSettled(Array.from({ length: count }, () => ReplicaWorker.start(dir, options)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.terminate() : 0)));
      throw failed.reason;
    }
    return new ReplicaPool(started.map((s) => (s as PromiseFulfilledResult<ReplicaWorker>).value));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Contiguous shards with about equal completion tokens (the step's cost is close to linear in them), at most
 * `parts`, none empty. Returns [start, end) sample ranges in order.
 */
export function splitByTokens(samples: readonly PolicySample[], parts: number): Array<[number, number]> {
  const n = Math.min(parts, samples.length);
  const total = samples.reduce((s, x) => s + x.tokenIds.length, 0);
  const ranges: Array<[number, number]> = [];
  let start = 0;
  let seen = 0;
  for (let i = 0; i < samples.length && ranges.length < n - 1; i++) {
    seen += samples[i].tokenIds.length;
    const left = samples.length - (i + 1); // samples still unassigned after this one
    const shardsLeft = n - ranges.length - 1;
    if (seen >= (total * (ranges.length + 1)) / n || left === shardsLeft) {
      ranges.push([start, i + 1]);
      start = i + 1;
    }
  }
  ranges.push([start, samples.length]);
  return ranges;
}

/**
 * The worker entry next to this module: dist/step-worker.js in the published package; from the sources (tests run
 * src/ through vitest) the built copy in ../dist, which turbo builds before every test run.
 */
function workerScript(): URL {
  const sibling = new URL('./step-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(sibling))) return sibling;
  const built = new URL('../dist/step-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(built))) return built;
  throw new EvolmmError('BACKEND_UNAVAILABLE', `cannot find step-worker.js next to ${fileURLToPath(import.meta.url)}; build @evolmm/backend-tfjs (npm run build)`);
}

/**
 * Entry of a data-parallel worker thread (data-parallel.ts): loads a replica of the model, then answers shard
 * requests with gradient sums. Its tfjs runs in this thread's own isolate and wasm heap.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EvolmmError } from '@evolmm/core';
import type { ShardRequest } from './data-parallel.js';
import { loadTfjsModel, type TfjsModelOptions } from './model.js';

const port = parentPort;
if (!port) throw new Error('step-worker.js is a worker_threads entry; it is started by loadTfjsModel({ dataParallel })');

const { dir, options } = workerData as { dir: string; options: TfjsModelOptions };

function errorMessage(id: number, e: unknown) {
  const code = EvolmmError.isInstance(e) ? e.code : 'INTERNAL';
  return { type: 'error', id, code, message: e instanceof Error ? e.message : String(e) };
}

try {
  const model = await loadTfjsModel(dir, { ...options, dataParallel: 1, logBackend: false });
  port.on('message', (m: { type: 'shard'; id: number; req: ShardRequest }) => {
    try {
      const r = model.replicaShard(m.req);
      port.postMessage({ type: 'result', id: m.id, ...r }, r.grads.map((g) => g.buffer as ArrayBuffer));
    } catch (e) {
      port.postMessage(errorMessage(m.id, e));
    }
  });
  port.postMessage({ type: 'ready' });
} catch (e) {
  port.postMessage(errorMessage(-1, e));
}

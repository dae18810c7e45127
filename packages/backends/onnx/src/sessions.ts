import { availableParallelism } from 'node:os';
import { EvolmmError } from '@evolmm/core';
import * as ort from 'onnxruntime-node';

export type OnnxDevice = 'auto' | 'cuda' | 'cpu';

export interface SessionSetOptions {
  /** 'auto' (default) and 'cuda' try the CUDA execution provider first and fall back to CPU. */
  device?: OnnxDevice;
  /** CPU intra-op threads; default: all cores (os.availableParallelism()). */
  threads?: number;
  /** Where the one line naming the execution provider goes; default console.warn. */
  log?: (line: string) => void;
}

export interface SessionSet {
  readonly sessions: ort.InferenceSession[];
  /** The execution provider actually in use. */
  readonly provider: 'cuda' | 'cpu';
}

/**
 * Opens several graphs on one execution provider. onnxruntime-node does not fall back by itself: with the CUDA
 * provider libraries missing, `InferenceSession.create` throws (docs/runtime.md §2), so CUDA is tried, the error
 * caught, and every graph reopened on CPU after ONE log line that says why.
 */
export async function openSessions(paths: readonly string[], opts: SessionSetOptions = {}): Promise<SessionSet> {
  const device = opts.device ?? 'auto';
  if (!['auto', 'cuda', 'cpu'].includes(device)) {
    throw new EvolmmError('INVALID_ARGUMENT', `device must be 'auto', 'cuda' or 'cpu'; found '${String(device)}'`);
  }
  const threads = opts.threads ?? availableParallelism();
  const log = opts.log ?? ((line: string) => console.warn(line));
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
    // Memory patterns are planned per input shape, and prompts, images and the growing KV cache give new shapes all
    // the time: with patterns on, the second run of each shape re-allocates (measured on the 0.5B-shaped vision
    // encoder at 1036×756: 1.9 s instead of 0.35 s); with them off every run after the arena has grown is warm.
    // Decode speed is unchanged (measured, 5×64 tokens).
    enableMemPattern: false,
  };
  if (device !== 'cpu') {
    // ORT's provider bridge prints its own multi-line error when the CUDA libraries are missing; keep the native
    // logger to fatal so the fallback below is the one line the user sees (exceptions still carry the reason).
    if (ort.env.logLevel === 'warning') ort.env.logLevel = 'fatal';
    const opened: ort.InferenceSession[] = [];
    try {
      for (const p of paths) opened.push(await ort.InferenceSession.create(p, { ...base, executionProviders: [{ name: 'cuda', deviceId: 0 }] }));
      log(`[evolmm/onnx] execution provider: CUDA (device 0)`);
      return { sessions: opened, provider: 'cuda' };
    } catch (err) {
      await Promise.all(opened.map((s) => s.release()));
      log(`[evolmm/onnx] CUDA execution provider unavailable (${reason(err)}); falling back to CPU with ${threads} threads`);
    }
  } else {
    log(`[evolmm/onnx] execution provider: CPU (${threads} threads)`);
  }
  const sessions: ort.InferenceSession[] = [];
  try {
    for (const p of paths) sessions.push(await ort.InferenceSession.create(p, { ...base, executionProviders: ['cpu'] }));
  } catch (err) {
    await Promise.all(sessions.map((s) => s.release()));
    throw new EvolmmError('MODEL_FORMAT', `onnxruntime could not load ${paths[sessions.length]}: ${reason(err)}`, { cause: err });
  }
  return { sessions, provider: 'cpu' };
}

/** The first line of an ORT error, which names the missing library or the failing node. */
function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n').find((l) => l.trim().length > 0)?.trim() ?? 'unknown error';
}

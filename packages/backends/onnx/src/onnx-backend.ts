import { EvolmmError, type ModelFactory } from '@evolmm/core';
import { loadOnnxModel, type LoadOnnxModelOptions, type OnnxModel } from './onnx-model.js';
import type { OnnxDevice } from './sessions.js';

export interface OnnxBackendOptions {
  /** Default 'auto': CUDA execution provider first, CPU fallback with one log line (docs/runtime.md §2). */
  device?: OnnxDevice;
  /** CPU threads; default all cores. */
  threads?: number;
  /** Default graph dtype for loaded folders ('fp32', 'fp16', or another transformers.js suffix). */
  dtype?: string;
  /** Log sink for the execution-provider line; default console.warn. */
  log?: (line: string) => void;
}

export interface OnnxBackend {
  readonly name: 'onnx';
  readonly options: Readonly<OnnxBackendOptions>;
  /** Loads an exported folder with the backend's options (per-call options win). */
  loadModel(dir: string, opts?: LoadOnnxModelOptions): Promise<OnnxModel>;
}

/** The ONNX backend: `createOnnxBackend({ device: 'auto', threads })`. */
export function createOnnxBackend(options: OnnxBackendOptions = {}): OnnxBackend {
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new EvolmmError('INVALID_ARGUMENT', `threads must be a positive integer; found ${options.threads}`);
  }
  return {
    name: 'onnx',
    options: { ...options },
    loadModel: (dir, opts = {}) => loadOnnxModel(dir, { ...options, ...opts }),
  };
}

/**
 * Factory for core's model registry: `onnx:<folder>`. Recognised options: device, threads, dtype, log
 * (`registry.register('onnx', onnxModelFactory)`).
 */
export const onnxModelFactory: ModelFactory = async (location, options) => {
  const pick = <T>(key: string, check: (v: unknown) => boolean): T | undefined => {
    const v = options[key];
    if (v === undefined) return undefined;
    if (!check(v)) throw new EvolmmError('INVALID_ARGUMENT', `onnx backend option '${key}' has an invalid value ${JSON.stringify(v)}`);
    return v as T;
  };
  return loadOnnxModel(location, {
    device: pick<OnnxDevice>('device', (v) => v === 'auto' || v === 'cuda' || v === 'cpu'),
    threads: pick<number>('threads', (v) => Number.isInteger(v) && (v as number) >= 1),
    dtype: pick<string>('dtype', (v) => typeof v === 'string'),
    log: pick<(line: string) => void>('log', (v) => typeof v === 'function'),
    id: `onnx:${location}`,
  });
};

import * as tf from '@tensorflow/tfjs';
import { EvolmmError } from '@evolmm/core';
import { patchWasmKernels } from './wasm-patches.js';

export type TfjsBackendPreference = 'auto' | 'gpu' | 'native' | 'wasm' | 'cpu';

export interface TfjsBackendOptions {
  /**
   * Which tfjs backend to use. Default `'auto'` (or env `EVOLMM_TF_BACKEND`): tries `@tensorflow/tfjs-node-gpu`
   * (CUDA), then `@tensorflow/tfjs-node`, then wasm, then cpu. Both native packages are optional peers the user
   * installs (docs/runtime.md §1.1).
   */
  backend?: TfjsBackendPreference;
  /** Threads for the wasm backend. Node's wasm backend is single-threaded (docs/runtime.md §1.2); kept for browsers. */
  threads?: number;
  /** Print the chosen backend (one line to stderr). Default true. */
  log?: boolean;
}

export interface TfjsBackend {
  /** 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' */
  readonly name: string;
  /** The tfjs namespace this package computes with (one shared tfjs-core engine). */
  readonly tf: typeof tf;
  /** One line per backend that was tried and not used, saying why. */
  readonly skipped: readonly string[];
}

let current: TfjsBackend | undefined;

async function tryNative(pkg: string, skipped: string[]): Promise<boolean> {
  try {
    // A variable specifier keeps bundlers and TypeScript from resolving the optional peer at build time.
    const spec = pkg;
    await import(/* @vite-ignore */ spec);
    if (await tf.setBackend('tensorflow')) {
      await tf.ready();
      return true;
    }
    skipped.push(`${pkg}: loaded but the 'tensorflow' backend did not initialise`);
  } catch (e) {
    const msg = (e as Error).message?.split('\n')[0] ?? String(e);
    skipped.push(`${pkg}: not usable (${msg.slice(0, 160)})`);
  }
  return false;
}

/**
 * Selects and initialises a tfjs backend (docs/runtime.md §1.2) and patches the wasm kernel gaps (§1.4).
 * Calling it again with the same preference returns the active backend.
 */
export async function createTfjsBackend(options: TfjsBackendOptions = {}): Promise<TfjsBackend> {
  const envPref = process.env.EVOLMM_TF_BACKEND as TfjsBackendPreference | undefined;
  const prefer = options.backend ?? envPref ?? 'auto';
  if (!['auto', 'gpu', 'native', 'wasm', 'cpu'].includes(prefer)) {
    throw new EvolmmError(
      'INVALID_ARGUMENT',
      `tfjs backend '${prefer}' is not one of auto, gpu, native, wasm, cpu`,
    );
  }
  if (current && (prefer === 'auto' || backendMatches(prefer, current.name))) return current;
  const skipped: string[] = [];
  let name: string | undefined;
  if ((prefer === 'auto' || prefer === 'gpu') && (await tryNative('@tensorflow/tfjs-node-gpu', skipped))) {
    name = 'tensorflow-gpu';
  } else if ((prefer === 'auto' || prefer === 'native') && (await tryNative('@tensorflow/tfjs-node', skipped))) {
    name = 'tensorflow';
  } else if (prefer === 'auto' || prefer === 'wasm') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (options.threads !== undefined) wasm.setThreadsCount(options.threads);
      patchWasmKernels();
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        name = 'wasm';
      } else skipped.push('wasm: setBackend returned false');
    } catch (e) {
      skipped.push(`wasm: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (!name && (prefer === 'auto' || prefer === 'cpu')) {
    await tf.setBackend('cpu');
    await tf.ready();
    name = 'cpu';
  }
  if (!name) {
    throw new EvolmmError(
      'BACKEND_UNAVAILABLE',
      `tfjs backend '${prefer}' could not be started: ${skipped.join('; ')}. Install the optional peer ` +
        `(@tensorflow/tfjs-node-gpu for 'gpu', @tensorflow/tfjs-node for 'native') or use backend 'auto'.`,
    );
  }
  current = { name, tf, skipped };
  if (options.log !== false) {
    console.error(`[evolmm] tfjs backend: ${name}${skipped.length ? ` (skipped: ${skipped.join('; ')})` : ''}`);
  }
  return current;
}

function backendMatches(prefer: TfjsBackendPreference, name: string): boolean {
  return (
    (prefer === 'gpu' && name === 'tensorflow-gpu') ||
    (prefer === 'native' && name === 'tensorflow') ||
    prefer === name
  );
}

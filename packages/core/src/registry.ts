import { didYouMean } from './closest-match.js';
import { EvolmmError } from './errors.js';
import type { VisionLanguageModel } from './spec/model.js';

/** Creates a model from the location part of a "backend:location" spec (a folder, a URL, ...). */
export type ModelFactory = (location: string, options: ModelFactoryOptions) => Promise<VisionLanguageModel>;

export interface ModelFactoryOptions {
  readonly signal?: AbortSignal;
  /** Backend-specific options passed through from the caller (device, threads, dtype, ...). */
  readonly [key: string]: unknown;
}

export interface ModelSpec {
  readonly backend: string;
  readonly location: string;
}

/**
 * Splits "tfjs:./dir", "onnx:/abs/dir", "openai:http://host/v1#model" at the first colon.
 * The backend name is lowercase letters, digits and dashes.
 */
export function parseModelSpec(spec: string): ModelSpec {
  const m = /^([a-z][a-z0-9-]*):(.+)$/s.exec(spec.trim());
  if (!m) {
    throw new EvolmmError(
      'INVALID_ARGUMENT',
      `model spec '${spec}' is not of the form "backend:location"; examples: "tfjs:./models/qwen2.5-vl-3b", ` +
        `"onnx:./models/qwen2.5-vl-3b-onnx", "openai:http://localhost:8000/v1#Qwen/Qwen2.5-VL-7B-Instruct"`,
    );
  }
  return { backend: m[1], location: m[2] };
}

export interface ModelRegistry {
  /** Names of the registered backends. */
  backends(): string[];
  /** Adds (or replaces) a backend. */
  register(backend: string, factory: ModelFactory): void;
  /** Creates the model a "backend:location" string names. */
  resolve(spec: string, options?: ModelFactoryOptions): Promise<VisionLanguageModel>;
}

/** A registry of model backends, like the AI SDK's createProviderRegistry. */
export function createModelRegistry(factories: Record<string, ModelFactory> = {}): ModelRegistry {
  const table = new Map<string, ModelFactory>(Object.entries(factories));
  return {
    backends: () => [...table.keys()],
    register(backend, factory) {
      if (!/^[a-z][a-z0-9-]*$/.test(backend)) {
        throw new EvolmmError('INVALID_ARGUMENT', `backend name '${backend}' must be lowercase letters, digits and dashes`);
      }
      table.set(backend, factory);
    },
    async resolve(spec, options = {}) {
      const { backend, location } = parseModelSpec(spec);
      const factory = table.get(backend);
      if (!factory) {
        const known = [...table.keys()];
        throw new EvolmmError(
          'NOT_FOUND',
          `unknown model backend '${backend}' in '${spec}'${didYouMean(backend, known)}; ` +
            (known.length ? `registered backends: ${known.join(', ')}` : 'no backends are registered'),
          { details: { backend, known } },
        );
      }
      return factory(location, options);
    },
  };
}

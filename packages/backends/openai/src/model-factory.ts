import { EvolmmError } from '@evolmm/core';
import type { ModelFactoryOptions } from '@evolmm/core';
import { createOpenAIModel } from './openai-model.js';
import type { OpenAIModel, OpenAIModelOptions } from './openai-model.js';

/** Environment variable read for the API key when the options carry none (never OPENAI_API_KEY: see README). */
export const API_KEY_ENV = 'EVOLMM_OPENAI_API_KEY';

const PASSTHROUGH = [
  'apiKey',
  'concurrency',
  'maxRetries',
  'timeoutMs',
  'retryBaseDelayMs',
  'retryMaxDelayMs',
  'headers',
  'fetch',
  'adapterModels',
  'runtimeAdapters',
  'samplingExtensions',
  'tokenIds',
  'nMode',
  'extraBody',
  'onRetry',
] as const;

/**
 * The `openai` backend for core's createModelRegistry. Location: `http://host:port/v1#model-name`. Without
 * `#model-name` the server is asked (GET /models) and its only model is used; with several, the error lists them.
 * Options with the names of OpenAIModelOptions pass through; other keys (device, threads, ...) are ignored because
 * they belong to local backends.
 */
export async function openaiModelFactory(location: string, options: ModelFactoryOptions = {}): Promise<OpenAIModel> {
  const hashAt = location.indexOf('#');
  const baseURL = hashAt < 0 ? location : location.slice(0, hashAt);
  const model = hashAt < 0 ? '' : decodeURIComponent(location.slice(hashAt + 1));
  const picked: Record<string, unknown> = {};
  for (const key of PASSTHROUGH) if (options[key] !== undefined) picked[key] = options[key];
  if (picked.apiKey === undefined && process.env[API_KEY_ENV]) picked.apiKey = process.env[API_KEY_ENV];
  const base = picked as Omit<OpenAIModelOptions, 'baseURL' | 'model'>;
  if (model !== '') return createOpenAIModel({ ...base, baseURL, model });

  // No model name: ask the server. A probe model object is used only for the listing.
  const probe = createOpenAIModel({ ...base, baseURL, model: '(probe)' });
  try {
    const names = await probe.listModels({ signal: options.signal });
    if (names.length !== 1) {
      throw new EvolmmError(
        'INVALID_ARGUMENT',
        `'openai:${location}' names no model and the server lists ${names.length === 0 ? 'none' : names.join(', ')}; ` +
          `add '#<model>', e.g. 'openai:${baseURL}#${names[0] ?? 'my-model'}'`,
        { details: { models: names } },
      );
    }
    return createOpenAIModel({ ...base, baseURL, model: names[0]! });
  } finally {
    await probe.dispose();
  }
}

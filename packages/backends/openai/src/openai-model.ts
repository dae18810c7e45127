import { EvolmmError, throwIfAborted } from '@evolmm/core';
import type { Completion, GenerateRequest, VisionLanguageModel } from '@evolmm/core';
import { parseChoices, toWireMessages } from './chat-completion-wire.js';
import type { WireMessage } from './chat-completion-wire.js';
import { createConcurrencyLimiter } from './concurrency-limiter.js';
import { createHttpClient } from './http-client.js';
import type { RetryInfo } from './http-client.js';

export interface OpenAIModelOptions {
  /** Server root including the API version, e.g. "http://localhost:8000/v1". */
  readonly baseURL: string;
  /** The served model name (vLLM `--served-model-name`, `evolmm serve`'s model name). */
  readonly model: string;
  /** Sent as `Authorization: Bearer <apiKey>` (vLLM `--api-key`). Default: none. */
  readonly apiKey?: string;
  /** Requests on the wire at once from this model object. Default 4. */
  readonly concurrency?: number;
  /** Retries after the first attempt on 408/409/429/5xx, network errors and timeouts. Default 4. */
  readonly maxRetries?: number;
  /** Per-attempt timeout, covering the whole response body. Default 120 000 ms. */
  readonly timeoutMs?: number;
  /** First backoff delay (doubles each retry, equal jitter). Default 500 ms. */
  readonly retryBaseDelayMs?: number;
  /** Cap on any single wait, Retry-After included. Default 30 000 ms. */
  readonly retryMaxDelayMs?: number;
  /** Extra HTTP headers on every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A fetch implementation (tests, proxies). Default: the global fetch. */
  readonly fetch?: typeof fetch;
  /**
   * LoRA adapter name (GenerateRequest.adapter) → served model name. vLLM serves each `--lora-modules name=path`
   * as a model called `name`. Default: none, so any `adapter` is refused with a clear error.
   */
  readonly adapterModels?: Readonly<Record<string, string>>;
  /**
   * Allow loadAdapter()/unloadAdapter(), which call vLLM's `/v1/load_lora_adapter` (the server must run with
   * VLLM_ALLOW_RUNTIME_LORA_UPDATING=True). Default false.
   */
  readonly runtimeAdapters?: boolean;
  /**
   * Send vLLM/SGLang sampling extensions: `top_k` (−1 when disabled) and `repetition_penalty: 1`. Default true.
   * Without them vLLM fills missing fields from the checkpoint's generation_config.json, which for Qwen2.5-VL sets
   * top_k=1 and makes all N samples identical (docs/method.md §9 D3). Set false only for servers that reject
   * unknown fields (api.openai.com).
   */
  readonly samplingExtensions?: boolean;
  /**
   * Recover sampled token ids through vLLM's `return_tokens_as_token_ids` extension (also honoured by evolmm
   * serve). Implies `logprobs: true` on the wire. Default false: Completion.tokenIds is [] because the OpenAI
   * API has no token ids.
   */
  readonly tokenIds?: boolean;
  /**
   * How `n` samples are requested: 'native' sends `n` (vLLM, SGLang, evolmm serve); 'split' sends n requests with
   * n=1 and seeds seed+i, for servers that ignore `n`. Default 'native'.
   */
  readonly nMode?: 'native' | 'split';
  /** Extra fields merged into every request body (e.g. `chat_template_kwargs`, `mm_processor_kwargs`). */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** Called before each retry. */
  readonly onRetry?: (info: RetryInfo) => void;
}

/** The VisionLanguageModel plus what only a server can do. */
export interface OpenAIModel extends VisionLanguageModel {
  readonly baseURL: string;
  readonly model: string;
  /** Model names the server lists at GET /models. */
  listModels(options?: { signal?: AbortSignal }): Promise<string[]>;
  /** Loads a PEFT LoRA folder on the server (vLLM runtime LoRA) and maps `adapter: name` to it. */
  loadAdapter(name: string, path: string, options?: { signal?: AbortSignal }): Promise<void>;
  unloadAdapter(name: string, options?: { signal?: AbortSignal }): Promise<void>;
}

/** The EvoLMM solver/proposer defaults the contract states (GenerateRequest docs, docs/method.md §6.4). */
const DEFAULT_MAX_NEW_TOKENS = 128;

/**
 * A VisionLanguageModel served by any OpenAI-compatible `/chat/completions` endpoint (vLLM, SGLang, evolmm serve).
 * Completion.tokenIds is [] unless `tokenIds: true` and the server supports vLLM's token-id extension, so training
 * needs a local backend (tfjs); rollouts and benchmarks scale out through this one.
 */
export function createOpenAIModel(options: OpenAIModelOptions): OpenAIModel {
  const baseURL = validateBaseURL(options.baseURL);
  if (typeof options.model !== 'string' || options.model === '') {
    throw new EvolmmError('INVALID_ARGUMENT', `createOpenAIModel needs the served model name in 'model', got ${JSON.stringify(options.model)}`);
  }
  const intOption = (name: string, value: number | undefined, fallback: number, min: number) => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min) throw new EvolmmError('INVALID_ARGUMENT', `${name} must be an integer ≥ ${min}, got ${String(value)}`);
    return v;
  };
  const concurrency = intOption('concurrency', options.concurrency, 4, 1);
  const maxRetries = intOption('maxRetries', options.maxRetries, 4, 0);
  const timeoutMs = intOption('timeoutMs', options.timeoutMs, 120_000, 1);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const lifetime = new AbortController();
  const adapterModels = new Map(Object.entries(options.adapterModels ?? {}));
  const samplingExtensions = options.samplingExtensions ?? true;
  const nMode = options.nMode ?? 'native';
  const http = createHttpClient({
    baseURL,
    apiKey: options.apiKey,
    headers: options.headers,
    fetch: fetchImpl,
    timeoutMs,
    maxRetries,
    retryBaseDelayMs: intOption('retryBaseDelayMs', options.retryBaseDelayMs, 500, 0),
    retryMaxDelayMs: intOption('retryMaxDelayMs', options.retryMaxDelayMs, 30_000, 0),
    limiter: createConcurrencyLimiter(concurrency),
    onRetry: options.onRetry,
    lifetime: lifetime.signal,
  });
  let disposed = false;
  const id = `openai:${baseURL}#${options.model}`;

  const checkAlive = () => {
    if (disposed) throw new EvolmmError('INVALID_ARGUMENT', `model ${id} was disposed; create a new one`);
  };

  function modelFor(adapter: string | undefined): string {
    if (adapter === undefined) return options.model;
    const name = adapterModels.get(adapter);
    if (name === undefined) {
      throw new EvolmmError(
        'UNSUPPORTED',
        `adapter '${adapter}' has no served model on ${baseURL}; pass adapterModels: { ${JSON.stringify(adapter)}: '<lora-module-name>' } ` +
          `(vLLM --lora-modules name=path) or call loadAdapter()` +
          (adapterModels.size ? `; known adapters: ${[...adapterModels.keys()].join(', ')}` : ''),
        { details: { adapter, known: [...adapterModels.keys()] } },
      );
    }
    return name;
  }

  async function request(model: string, messages: WireMessage[], req: GenerateRequest, n: number, seed: number | undefined): Promise<Completion[]> {
    const wantTokenIds = options.tokenIds === true;
    const topK = req.topK ?? 0;
    const body: Record<string, unknown> = {
      ...options.extraBody,
      model,
      messages,
      n,
      // Every sampling parameter explicit: the server must not merge the checkpoint's generation_config (D3).
      max_tokens: req.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS,
      temperature: req.temperature ?? 1,
      top_p: req.topP ?? 1,
    };
    if (samplingExtensions) {
      body.top_k = topK > 0 ? topK : -1; // vLLM and SGLang: −1 disables (0 is refused by older vLLM)
      body.repetition_penalty = 1;
    } else if (topK > 0) {
      throw new EvolmmError('UNSUPPORTED', `topK ${topK} needs samplingExtensions: true (a vLLM/SGLang field); this model has them off`);
    }
    if (seed !== undefined) body.seed = seed;
    if (req.stop && req.stop.length > 0) body.stop = [...req.stop];
    if (req.logprobs || wantTokenIds) body.logprobs = true;
    if (wantTokenIds) body.return_tokens_as_token_ids = true;
    const json = await http.json('POST', '/chat/completions', body, req.signal);
    const out = parseChoices(json, req.logprobs === true, wantTokenIds, baseURL);
    if (out.length < n) {
      throw new EvolmmError(
        'REMOTE',
        `${baseURL} returned ${out.length} choice(s) for n=${n}; the server ignores 'n' — create the model with nMode: 'split'`,
        { details: { n, got: out.length } },
      );
    }
    return out.slice(0, n);
  }

  return {
    specificationVersion: 'v1',
    id,
    baseURL,
    model: options.model,

    async generate(req) {
      checkAlive();
      throwIfAborted(req.signal, 'generate');
      const n = req.n ?? 1;
      if (!Number.isInteger(n) || n < 1) throw new EvolmmError('INVALID_ARGUMENT', `n must be a positive integer, got ${String(req.n)}`);
      if (req.seed !== undefined && !Number.isInteger(req.seed)) {
        throw new EvolmmError('INVALID_ARGUMENT', `seed must be an integer, got ${req.seed}`);
      }
      const model = modelFor(req.adapter);
      const messages = await toWireMessages(req.messages, req.signal);
      if (nMode === 'native' || n === 1) return request(model, messages, req, n, req.seed);
      // Sample i gets seed+i so the n requests differ yet the call stays reproducible (GenerateRequest.seed).
      const parts = await Promise.all(
        Array.from({ length: n }, (_, i) => request(model, messages, req, 1, req.seed === undefined ? undefined : req.seed + i)),
      );
      return parts.flat();
    },

    async listModels(opts = {}) {
      checkAlive();
      const json = (await http.json('GET', '/models', undefined, opts.signal)) as { data?: Array<{ id?: unknown }> };
      if (!Array.isArray(json?.data)) throw new EvolmmError('REMOTE', `${baseURL}/models answered without a 'data' array`);
      return json.data.map((m) => m.id).filter((x): x is string => typeof x === 'string');
    },

    async loadAdapter(name, path, opts = {}) {
      checkAlive();
      requireRuntimeAdapters('loadAdapter');
      await http.json('POST', '/load_lora_adapter', { lora_name: name, lora_path: path }, opts.signal).catch(adapterError);
      adapterModels.set(name, name);
    },

    async unloadAdapter(name, opts = {}) {
      checkAlive();
      requireRuntimeAdapters('unloadAdapter');
      await http.json('POST', '/unload_lora_adapter', { lora_name: name }, opts.signal).catch(adapterError);
      adapterModels.delete(name);
    },

    async dispose() {
      disposed = true;
      lifetime.abort(new EvolmmError('ABORTED', `model ${id} was disposed`));
    },
  };

  function requireRuntimeAdapters(what: string): void {
    if (!options.runtimeAdapters) {
      throw new EvolmmError(
        'UNSUPPORTED',
        `${what} needs runtimeAdapters: true, and a vLLM server started with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True and --enable-lora`,
      );
    }
  }
}

function adapterError(err: unknown): never {
  // vLLM answers 404/405 when runtime LoRA updating is off; say how to switch it on.
  if (EvolmmError.isInstance(err) && (err.details.status === 404 || err.details.status === 405)) {
    throw new EvolmmError(
      'UNSUPPORTED',
      `${err.message}; this server does not support runtime LoRA loading (vLLM: set VLLM_ALLOW_RUNTIME_LORA_UPDATING=True and --enable-lora)`,
      { cause: err, details: err.details },
    );
  }
  throw err;
}

function validateBaseURL(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EvolmmError('INVALID_ARGUMENT', `baseURL '${raw}' is not a URL; expected e.g. "http://localhost:8000/v1"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EvolmmError('INVALID_ARGUMENT', `baseURL '${raw}' must be http or https; expected e.g. "http://localhost:8000/v1"`);
  }
  if (url.hash || url.search) {
    throw new EvolmmError('INVALID_ARGUMENT', `baseURL '${raw}' must not contain a query or #fragment; pass the model name in 'model'`);
  }
  return url.href.replace(/\/+$/, '');
}

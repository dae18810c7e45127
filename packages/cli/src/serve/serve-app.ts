import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EvolmmError } from '@evolmm/core';
import type { Completion, VisionLanguageModel } from '@evolmm/core';
import { chatCompletion, completionChunks, roleChunks } from './chat-response.js';
import { createGenerationQueue } from './generation-queue.js';
import { HttpError, sendError, sendJson } from './http-error.js';
import { createImageResolver } from './image-resolver.js';
import { parseChatRequest } from './parse-chat-request.js';
import { readBody } from './read-body.js';

export interface ServeOptions {
  /** The model behind the endpoint. The app does not dispose it. */
  readonly model: VisionLanguageModel;
  /** The name clients put in `model` and GET /v1/models lists. */
  readonly modelName: string;
  /** Extra served model names that select a LoRA adapter: served name → GenerateRequest.adapter. Default none. */
  readonly adapters?: Readonly<Record<string, string>>;
  /** Folders whose image files may be named by path. Default none: only data URLs are accepted. */
  readonly allowDirs?: readonly string[];
  /** Largest request body. Default 20 MiB. */
  readonly maxBodyBytes?: number;
  /** Largest image file read from an allow-dir, or decoded data URL. Default 20 MiB. */
  readonly maxImageBytes?: number;
  /** Largest width × height, read from the image header before any decoding. Default 16 777 216 (4096²). */
  readonly maxImagePixels?: number;
  /** Images per request. Default 16. */
  readonly maxImages?: number;
  /** Largest `n`. Default 64. */
  readonly maxN?: number;
  /** Generations that may wait for a slot before new ones get 429 (0: never wait). Default 256. */
  readonly maxQueue?: number;
  /** Generations running at once. Default 1 (a local backend is busy with one). */
  readonly concurrency?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. Default: no auth (localhost only). */
  readonly apiKey?: string;
  /** One line per finished request (method, path, status, ms). Default: silent. */
  readonly log?: (line: string) => void;
}

export interface ServeAddress {
  readonly host: string;
  readonly port: number;
  /** The baseURL for OpenAI clients, e.g. "http://127.0.0.1:8000/v1". */
  readonly url: string;
}

export interface ServeApp {
  /** The node:http server (for tests and embedding); prefer listen()/close(). */
  readonly server: Server;
  /** Binds to 127.0.0.1 unless another host is given — exposing a model to the network is an explicit choice. */
  listen(port?: number, host?: string): Promise<ServeAddress>;
  /** Stops accepting, cancels running generations, closes connections. */
  close(): Promise<void>;
  /** Generations running and waiting now. */
  stats(): { active: number; queued: number };
}

const MiB = 1024 * 1024;

function positiveInt(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1) throw new EvolmmError('INVALID_ARGUMENT', `serve option ${name} must be a positive integer, got ${String(v)}`);
  return x;
}

function nonNegativeInt(name: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 0) throw new EvolmmError('INVALID_ARGUMENT', `serve option ${name} must be an integer ≥ 0, got ${String(v)}`);
  return x;
}

/** Maps a model error to an HTTP answer: the caller's fault → 400, missing things → 404, the rest → 500. */
function modelErrorToHttp(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (EvolmmError.isInstance(err)) {
    if (err.code === 'INVALID_ARGUMENT' || err.code === 'UNSUPPORTED' || err.code === 'INVALID_CONFIG') {
      return new HttpError(400, err.message, 'invalid_request_error', null, err.code.toLowerCase());
    }
    if (err.code === 'NOT_FOUND') return new HttpError(404, err.message, 'not_found_error', null, 'not_found');
    if (err.code === 'ABORTED') return new HttpError(503, `generation was cancelled: ${err.message}`, 'server_error', null, 'aborted');
    return new HttpError(500, `${err.code}: ${err.message}`, 'server_error', null, err.code.toLowerCase());
  }
  return new HttpError(500, `internal error: ${(err as Error)?.message ?? String(err)}`, 'server_error', null, 'internal');
}

/**
 * An OpenAI-compatible HTTP server over a VisionLanguageModel: POST /v1/chat/completions (JSON or SSE),
 * GET /v1/models, GET /health. Every refusal is a 4xx JSON error in the OpenAI shape; a client that disconnects
 * cancels its generation through the request's AbortSignal.
 */
export function createServeApp(options: ServeOptions): ServeApp {
  const { model, modelName } = options;
  if (typeof modelName !== 'string' || modelName === '') throw new EvolmmError('INVALID_ARGUMENT', 'serve needs a non-empty modelName');
  const maxBodyBytes = positiveInt('maxBodyBytes', options.maxBodyBytes, 20 * MiB);
  const limits = { maxN: positiveInt('maxN', options.maxN, 64), maxImages: positiveInt('maxImages', options.maxImages, 16) };
  const queue = createGenerationQueue(positiveInt('concurrency', options.concurrency, 1), nonNegativeInt('maxQueue', options.maxQueue, 256));
  const resolveImage = createImageResolver({
    allowDirs: options.allowDirs ?? [],
    maxImageBytes: positiveInt('maxImageBytes', options.maxImageBytes, 20 * MiB),
    maxImagePixels: positiveInt('maxImagePixels', options.maxImagePixels, 4096 * 4096),
  });
  const adapters = new Map(Object.entries(options.adapters ?? {}));
  const created = Math.floor(Date.now() / 1000);
  const shutdown = new AbortController();
  const keyHash = options.apiKey ? createHash('sha256').update(options.apiKey).digest() : undefined;

  function authorised(req: IncomingMessage): boolean {
    if (!keyHash) return true;
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    // Compare hashes in constant time so response timing does not leak the key.
    return m !== null && timingSafeEqual(createHash('sha256').update(m[1]!).digest(), keyHash);
  }

  function listModels() {
    const entry = (id: string, parent: string | null) => ({ id, object: 'model', created, owned_by: 'evolmm', root: modelName, parent });
    return { object: 'list', data: [entry(modelName, null), ...[...adapters.keys()].map((name) => entry(name, modelName))] };
  }

  async function chatCompletions(req: IncomingMessage, res: ServerResponse, clientGone: AbortSignal): Promise<void> {
    const raw = await readBody(req, maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new HttpError(400, `the request body is not valid JSON: ${(err as Error).message}`, 'invalid_request_error', null, 'invalid_json');
    }
    const modelField = (body as { model?: unknown } | null)?.model;
    if (typeof modelField === 'string' && modelField !== modelName && !adapters.has(modelField)) {
      throw new HttpError(
        404,
        `The model '${modelField}' does not exist; this server serves ${[modelName, ...adapters.keys()].map((x) => `'${x}'`).join(', ')}`,
        'not_found_error',
        'model',
        'model_not_found',
      );
    }
    const chat = await parseChatRequest(body, resolveImage, limits);
    const adapter = adapters.get(chat.model);
    const signal = AbortSignal.any([clientGone, shutdown.signal]);
    const meta = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: chat.model };
    const withLogprobs = chat.generate.logprobs === true;
    const n = chat.generate.n ?? 1;

    const generation = queue.run<readonly Completion[]>(() => model.generate({ ...chat.generate, signal, ...(adapter !== undefined && { adapter }) }), signal);
    if (!chat.stream) {
      const completions = await generation;
      if (!clientGone.aborted) sendJson(res, 200, chatCompletion(meta, completions, withLogprobs));
      return;
    }
    // Streaming: queue.run has already thrown 429 synchronously if the queue is full, so headers can go now.
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    for (const c of roleChunks(meta, n)) send(c);
    // SSE comments keep proxies from closing an idle stream while the request waits or generates.
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    try {
      const completions = await generation;
      for (const c of completionChunks(meta, completions, withLogprobs, chat.includeUsage)) send(c);
    } catch (err) {
      if (clientGone.aborted) return;
      send(modelErrorToHttp(err).toJSON()); // headers are sent: the error travels as an event, as vLLM does
    } finally {
      clearInterval(keepAlive);
    }
    res.end('data: [DONE]\n\n');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const clientGone = new AbortController();
    // 'close' before the response finished = the client went away: cancel its generation.
    res.on('close', () => {
      if (!res.writableFinished) clientGone.abort(new EvolmmError('ABORTED', 'client disconnected'));
      options.log?.(`${req.method} ${req.url} ${res.statusCode}${res.writableFinished ? '' : ' (client disconnected)'} ${Date.now() - started} ms`);
    });
    const url = (req.url ?? '/').split('?')[0];
    try {
      if (!authorised(req)) {
        throw new HttpError(401, 'missing or wrong API key; send Authorization: Bearer <key>', 'authentication_error', null, 'invalid_api_key');
      }
      if (url === '/v1/chat/completions') {
        if (req.method !== 'POST') throw methodNotAllowed(req.method, 'POST', { allow: 'POST' });
        await chatCompletions(req, res, clientGone.signal);
      } else if (url === '/v1/models') {
        if (req.method !== 'GET') throw methodNotAllowed(req.method, 'GET', { allow: 'GET' });
        sendJson(res, 200, listModels());
      } else if (url === '/health') {
        sendJson(res, 200, { status: 'ok', model: modelName, active: queue.active, queued: queue.queued });
      } else {
        throw new HttpError(404, `no route ${req.method} ${url}; this server has POST /v1/chat/completions, GET /v1/models, GET /health`, 'not_found_error', null, 'unknown_url');
      }
    } catch (err) {
      if (clientGone.signal.aborted) return; // nobody to answer
      const httpErr = modelErrorToHttp(err);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (httpErr.status === 413) res.setHeader('connection', 'close');
      sendError(res, httpErr);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      // handle() answers every error itself; reaching here means writing the answer failed.
      options.log?.(`failed to answer ${req.method} ${req.url}: ${(err as Error).message}`);
      res.destroy();
    });
  });
  // Malformed HTTP (bad headers, ...) never reaches the handler: answer it in the same JSON shape.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (err.code === 'ECONNRESET' && !socket.readable)) return socket.destroy();
    const text = JSON.stringify(new HttpError(400, `malformed HTTP request: ${err.code ?? err.message}`).toJSON());
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
  });

  return {
    server,
    stats: () => ({ active: queue.active, queued: queue.queued }),
    listen(port = 8000, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) =>
          reject(
            new EvolmmError('IO', `cannot listen on ${host}:${port} (${err.code ?? err.message})${err.code === 'EADDRINUSE' ? '; choose another --port' : ''}`, { cause: err }),
          );
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const addr = server.address() as AddressInfo;
          const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve({ host: addr.address, port: addr.port, url: `http://${shown}:${addr.port}/v1` });
        });
      });
    },
    async close() {
      shutdown.abort(new EvolmmError('ABORTED', 'server shutting down'));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1_000).unref();
      });
    },
  };
}

function methodNotAllowed(method: string | undefined, expected: string, headers: Record<string, string>): HttpError {
  return new HttpError(405, `method ${method} is not allowed here; use ${expected}`, 'invalid_request_error', null, 'method_not_allowed', headers);
}

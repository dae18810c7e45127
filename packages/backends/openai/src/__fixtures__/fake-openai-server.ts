import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake server saw. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: any;
}

/** A scripted answer: a status + JSON body (+ headers), 'hang' (never answer), or a custom handler. */
export type Scripted =
  | { status: number; body?: unknown; headers?: Record<string, string>; raw?: string }
  | 'hang'
  | ((req: SeenRequest, res: ServerResponse) => void);

/**
 * A test double of an OpenAI-compatible server. Requests take the next scripted answer; when the script is empty a
 * chat completion is synthesised from the request so every field the client sent is visible in the answer:
 * choice i says `choice <i> of <model> t=<temperature> ...`, finish_reason alternates stop/length, and logprobs
 * carry vLLM-style "token_id:<id>" tokens with ids 100+i, 200+i and logprobs -0.5, -1.5.
 */
export async function startFakeOpenAIServer() {
  const seen: SeenRequest[] = [];
  const script: Scripted[] = [];
  const open = new Set<ServerResponse>();
  let closedByClient = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const r: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined };
    seen.push(r);
    open.add(res);
    res.on('close', () => {
      open.delete(res);
      if (!res.writableFinished) closedByClient++;
    });
    const next = script.shift();
    if (next === 'hang') return;
    if (typeof next === 'function') return next(r, res);
    if (next) {
      res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers });
      res.end(next.raw ?? JSON.stringify(next.body ?? {}));
      return;
    }
    if (r.url.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model' }] }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(synthesise(r.body)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    seen,
    script,
    get closedByClient() {
      return closedByClient;
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function synthesise(body: any) {
  const n = body?.n ?? 1;
  // Reverse order on purpose: the client must sort by index.
  const choices = Array.from({ length: n }, (_, i) => ({
    index: i,
    message: { role: 'assistant', content: `choice ${i} of ${body.model} t=${body.temperature} p=${body.top_p} k=${body.top_k} seed=${body.seed}` },
    finish_reason: i % 2 === 0 ? 'stop' : 'length',
    logprobs: body.logprobs
      ? { content: [{ token: `token_id:${100 + i}`, logprob: -0.5 }, { token: `token_id:${200 + i}`, logprob: -1.5 }] }
      : null,
  })).reverse();
  return { id: 'chatcmpl-1', object: 'chat.completion', created: 0, model: body.model, choices };
}

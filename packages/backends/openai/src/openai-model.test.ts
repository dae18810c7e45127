import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EvolmmError } from '@evolmm/core';
import type { GenerateRequest } from '@evolmm/core';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { startFakeOpenAIServer } from './__fixtures__/fake-openai-server.js';
import type { RetryInfo } from './http-client.js';
import { createOpenAIModel } from './openai-model.js';
import { encodePng } from './png-encode.js';

type Fake = Awaited<ReturnType<typeof startFakeOpenAIServer>>;
let fake: Fake;
beforeEach(async () => {
  fake = await startFakeOpenAIServer();
});
afterEach(async () => {
  await fake.close();
});

const ask: GenerateRequest = { messages: [{ role: 'user', content: 'hi' }] };

async function rejection(p: Promise<unknown>): Promise<EvolmmError> {
  try {
    await p;
  } catch (err) {
    expect(EvolmmError.isInstance(err)).toBe(true);
    return err as EvolmmError;
  }
  throw new Error('expected a rejection');
}

describe('request body', () => {
  it('sends every sampling parameter explicitly, with the contract defaults (docs/method.md §9 D3)', async () => {
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1' });
    await m.generate(ask);
    const b = fake.seen[0]!.body;
    expect(fake.seen[0]!.url).toBe('/v1/chat/completions');
    expect(b).toEqual({
      model: 'm1',
      messages: [{ role: 'user', content: 'hi' }],
      n: 1,
      max_tokens: 128,
      temperature: 1,
      top_p: 1,
      top_k: -1,
      repetition_penalty: 1,
    });
  });

  it('maps n, temperature, topP, topK, seed, maxNewTokens, stop, logprobs and extraBody', async () => {
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', extraBody: { chat_template_kwargs: { x: 1 } } });
    await m.generate({ ...ask, n: 3, temperature: 0.7, topP: 0.9, topK: 20, seed: 42, maxNewTokens: 9, stop: ['</answer>'], logprobs: true });
    expect(fake.seen[0]!.body).toMatchObject({
      n: 3,
      temperature: 0.7,
      top_p: 0.9,
      top_k: 20,
      seed: 42,
      max_tokens: 9,
      stop: ['</answer>'],
      logprobs: true,
      chat_template_kwargs: { x: 1 },
    });
    expect(fake.seen[0]!.body.return_tokens_as_token_ids).toBeUndefined();
  });

  it('omits vendor fields when samplingExtensions is false and refuses topK then', async () => {
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', samplingExtensions: false });
    await m.generate(ask);
    expect(fake.seen[0]!.body.top_k).toBeUndefined();
    expect(fake.seen[0]!.body.repetition_penalty).toBeUndefined();
    expect((await rejection(m.generate({ ...ask, topK: 5 }))).code).toBe('UNSUPPORTED');
  });

  it('turns images into data URLs: file paths, bytes and RawImage; http URLs pass through', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'evolmm-openai-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const png = encodePng({ width: 2, height: 1, channels: 3, data: Uint8Array.of(255, 0, 0, 0, 255, 0) });
    const file = path.join(dir, 'a.png');
    await writeFile(file, png);
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1' });
    await m.generate({
      messages: [
        { role: 'system', content: 'sys' },
        {
          role: 'user',
          content: [
            { type: 'image', image: file },
            { type: 'image', image: png },
            { type: 'image', image: { width: 2, height: 1, channels: 3, data: Uint8Array.of(255, 0, 0, 0, 255, 0) } },
            { type: 'image', image: 'https://example.com/x.png' },
            { type: 'text', text: 'what?' },
          ],
        },
      ],
    });
    const expected = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
    expect(fake.seen[0]!.body.messages).toEqual([
      { role: 'system', content: 'sys' },
      {
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: expected } },
          { type: 'image_url', image_url: { url: expected } },
          { type: 'image_url', image_url: { url: expected } },
          { type: 'image_url', image_url: { url: 'https://example.com/x.png' } },
          { type: 'text', text: 'what?' },
        ],
      },
    ]);
  });

  it('sends the API key and extra headers', async () => {
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', apiKey: 'sk-test', headers: { 'x-team': 'evolmm' } });
    await m.generate(ask);
    expect(fake.seen[0]!.headers.authorization).toBe('Bearer sk-test');
    expect(fake.seen[0]!.headers['x-team']).toBe('evolmm');
  });
});

describe('response parsing', () => {
  it('orders choices by index, maps finish_reason and logprobs, and leaves tokenIds empty by default', async () => {
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1' });
    const out = await m.generate({ ...ask, n: 3, logprobs: true, seed: 7, temperature: 0.5 });
    expect(out.map((c) => c.text)).toEqual([0, 1, 2].map((i) => `choice ${i} of m1 t=0.5 p=1 k=-1 seed=7`));
    expect(out.map((c) => c.finishReason)).toEqual(['stop', 'length', 'stop']);
    expect(out[1]!.logprobs).toEqual([-0.5, -1.5]);
    expect(out.every((c) => c.tokenIds.length === 0)).toBe(true);
  });

  it('recovers token ids with tokenIds: true (vLLM return_tokens_as_token_ids) without exposing unasked logprobs', async () => {
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', tokenIds: true });
    const out = await m.generate({ ...ask, n: 2 });
    expect(fake.seen[0]!.body).toMatchObject({ logprobs: true, return_tokens_as_token_ids: true });
    expect(out.map((c) => c.tokenIds)).toEqual([
      [100, 200],
      [101, 201],
    ]);
    expect(out[0]!.logprobs).toBeUndefined();
  });

  it("reports a server that ignores n and offers nMode 'split', which sends n requests with seeds seed+i", async () => {
    fake.script.push({ status: 200, body: { choices: [{ index: 0, message: { content: 'only' }, finish_reason: 'stop' }] } });
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1' });
    const err = await rejection(m.generate({ ...ask, n: 2 }));
    expect(err.code).toBe('REMOTE');
    expect(err.message).toContain("nMode: 'split'");

    const split = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', nMode: 'split' });
    const out = await split.generate({ ...ask, n: 3, seed: 10 });
    const bodies = fake.seen.slice(1).map((r) => r.body);
    expect(bodies.map((b) => b.n)).toEqual([1, 1, 1]);
    expect(bodies.map((b) => b.seed).sort()).toEqual([10, 11, 12]);
    expect(out.map((c) => c.text)).toEqual([10, 11, 12].map((s) => `choice 0 of m1 t=1 p=1 k=-1 seed=${s}`));
  });

  it('fails with REMOTE when the answer is not a chat completion', async () => {
    fake.script.push({ status: 200, body: { hello: 'world' } });
    fake.script.push({ status: 200, raw: '<html>' });
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1' });
    expect((await rejection(m.generate(ask))).message).toContain("'choices'");
    expect((await rejection(m.generate(ask))).message).toContain('not JSON');
  });
});

describe('errors and retries', () => {
  const fast = { retryBaseDelayMs: 1, retryMaxDelayMs: 5_000 };

  it('retries 429 honouring retry-after-ms and Retry-After seconds, then succeeds', async () => {
    fake.script.push({ status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after-ms': '30' } });
    fake.script.push({ status: 429, body: { error: { message: 'slow down' } }, headers: { 'retry-after': '1' } });
    const retries: RetryInfo[] = [];
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', ...fast, onRetry: (r) => retries.push(r) });
    const out = await m.generate(ask);
    expect(out).toHaveLength(1);
    expect(fake.seen).toHaveLength(3);
    expect(retries.map((r) => [r.attempt, r.status, r.delayMs])).toEqual([
      [1, 429, 30],
      [2, 429, 1000],
    ]);
    expect(retries[0]!.error.message).toContain('slow down');
  });

  it('retries 500/503 with exponential backoff and gives up after maxRetries with the server message', async () => {
    for (let i = 0; i < 3; i++) fake.script.push({ status: 500, body: { error: { message: `boom ${i}`, type: 'server_error' } } });
    const retries: RetryInfo[] = [];
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', maxRetries: 2, retryBaseDelayMs: 4, onRetry: (r) => retries.push(r) });
    const err = await rejection(m.generate(ask));
    expect(err.code).toBe('REMOTE');
    expect(err.message).toContain('HTTP 500: boom 2');
    expect(err.details).toMatchObject({ status: 500, type: 'server_error', attempts: 3 });
    expect(fake.seen).toHaveLength(3);
    // equal jitter: retry k waits in [d/2, d] with d = 4·2^k
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(2);
    expect(retries[0]!.delayMs).toBeLessThanOrEqual(4);
    expect(retries[1]!.delayMs).toBeGreaterThanOrEqual(4);
    expect(retries[1]!.delayMs).toBeLessThanOrEqual(8);
  });

  it('does not retry 400 and reports the server message (OpenAI and vLLM error shapes)', async () => {
    fake.script.push({ status: 400, body: { error: { message: 'bad temperature', type: 'invalid_request_error', param: 'temperature' } } });
    fake.script.push({ status: 404, body: { object: 'error', message: 'The model `x` does not exist.', type: 'NotFoundError', code: 404 } });
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', ...fast });
    const e1 = await rejection(m.generate(ask));
    expect(e1.code).toBe('REMOTE');
    expect(e1.message).toContain('bad temperature');
    expect(e1.details).toMatchObject({ status: 400, param: 'temperature' });
    const e2 = await rejection(m.generate(ask));
    expect(e2.message).toContain('The model `x` does not exist.');
    expect(e2.message).toContain('GET /v1/models');
    expect(fake.seen).toHaveLength(2);
  });

  it('times out a hanging attempt and retries it', async () => {
    fake.script.push('hang');
    const retries: RetryInfo[] = [];
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', timeoutMs: 200, ...fast, onRetry: (r) => retries.push(r) });
    const out = await m.generate(ask);
    expect(out).toHaveLength(1);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.status).toBeUndefined();
    expect(retries[0]!.error.message).toContain('timed out after 200 ms');
  });

  it('fails with REMOTE timeout when retries are off', async () => {
    fake.script.push('hang');
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', timeoutMs: 100, maxRetries: 0 });
    const err = await rejection(m.generate(ask));
    expect(err.code).toBe('REMOTE');
    expect(err.details.timeoutMs).toBe(100);
  });

  it('retries network errors and explains an unreachable server', async () => {
    const url = fake.baseURL;
    await fake.close();
    const retries: RetryInfo[] = [];
    const m = createOpenAIModel({ baseURL: url, model: 'm1', maxRetries: 1, ...fast, onRetry: (r) => retries.push(r) });
    const err = await rejection(m.generate(ask));
    expect(err.code).toBe('REMOTE');
    expect(err.message).toContain('could not reach');
    expect(retries).toHaveLength(1);
    fake = await startFakeOpenAIServer(); // for afterEach
  });

  it("aborts with ABORTED on the caller's signal, closing the connection, without retrying", async () => {
    fake.script.push('hang');
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', ...fast });
    const ac = new AbortController();
    const p = m.generate({ ...ask, signal: ac.signal });
    while (fake.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    expect((await rejection(p)).code).toBe('ABORTED');
    while (fake.closedByClient === 0) await new Promise((r) => setTimeout(r, 5));
    expect(fake.seen).toHaveLength(1);
  });

  it('dispose() cancels in-flight requests and refuses new ones', async () => {
    fake.script.push('hang');
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1' });
    const p = m.generate(ask);
    while (fake.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    await m.dispose();
    const err = await rejection(p);
    expect(err.code).toBe('ABORTED');
    expect(err.message).toContain('disposed');
    expect((await rejection(m.generate(ask))).message).toContain('was disposed');
  });
});

describe('concurrency', () => {
  it('never has more than `concurrency` requests on the wire', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const handler = (req: { body: any }, res: import('node:http').ServerResponse) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Hold each request until three are in flight (or 300 ms pass), so an unlimited client would show > 3.
      const start = Date.now();
      const tick = () => {
        if (inFlight >= 3 || Date.now() - start > 300) {
          setTimeout(() => {
            inFlight--;
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ choices: [{ index: 0, message: { content: String(req.body.seed) }, finish_reason: 'stop' }] }));
          }, 10);
        } else setTimeout(tick, 2);
      };
      tick();
    };
    for (let i = 0; i < 12; i++) fake.script.push(handler);
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'm1', concurrency: 3 });
    const outs = await Promise.all(Array.from({ length: 12 }, (_, i) => m.generate({ ...ask, seed: i })));
    expect(outs.map((o) => o[0]!.text)).toEqual(Array.from({ length: 12 }, (_, i) => String(i)));
    expect(maxInFlight).toBe(3);
  });
});

describe('adapters and models', () => {
  it('maps adapter names to served model names and refuses unknown adapters', async () => {
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'base', adapterModels: { default: 'solver-lora' } });
    await m.generate({ ...ask, adapter: 'default' });
    expect(fake.seen[0]!.body.model).toBe('solver-lora');
    const err = await rejection(m.generate({ ...ask, adapter: 'proposer' }));
    expect(err.code).toBe('UNSUPPORTED');
    expect(err.message).toContain('known adapters: default');
  });

  it("loadAdapter posts to vLLM's /load_lora_adapter when enabled and makes the adapter usable", async () => {
    const off = createOpenAIModel({ baseURL: fake.baseURL, model: 'base' });
    expect((await rejection(off.loadAdapter('p', '/ckpt/proposer'))).code).toBe('UNSUPPORTED');

    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'base', runtimeAdapters: true });
    fake.script.push({ status: 200, raw: '"Success: LoRA adapter \'p\' added successfully."' });
    await m.loadAdapter('p', '/ckpt/proposer');
    expect(fake.seen[0]).toMatchObject({ url: '/v1/load_lora_adapter', body: { lora_name: 'p', lora_path: '/ckpt/proposer' } });
    await m.generate({ ...ask, adapter: 'p' });
    expect(fake.seen[1]!.body.model).toBe('p');

    fake.script.push({ status: 404, body: { detail: 'Not Found' } });
    const err = await rejection(m.loadAdapter('q', '/x'));
    expect(err.code).toBe('UNSUPPORTED');
    expect(err.message).toContain('VLLM_ALLOW_RUNTIME_LORA_UPDATING');

    fake.script.push({ status: 200, raw: '"ok"' });
    await m.unloadAdapter('p');
    expect(fake.seen.at(-1)).toMatchObject({ url: '/v1/unload_lora_adapter', body: { lora_name: 'p' } });
    expect((await rejection(m.generate({ ...ask, adapter: 'p' }))).code).toBe('UNSUPPORTED');
  });

  it('lists models', async () => {
    const m = createOpenAIModel({ baseURL: fake.baseURL, model: 'x' });
    expect(await m.listModels()).toEqual(['fake-model']);
  });

  it('validates options', () => {
    expect(() => createOpenAIModel({ baseURL: 'localhost:8000', model: 'm' })).toThrow(/http or https/);
    expect(() => createOpenAIModel({ baseURL: 'not a url', model: 'm' })).toThrow(/not a URL/);
    expect(() => createOpenAIModel({ baseURL: 'http://h/v1#m', model: 'm' })).toThrow(/#fragment/);
    expect(() => createOpenAIModel({ baseURL: 'http://h/v1', model: '' })).toThrow(/model name/);
    expect(() => createOpenAIModel({ baseURL: 'http://h/v1', model: 'm', concurrency: 0 })).toThrow(/concurrency/);
    expect(createOpenAIModel({ baseURL: 'http://h:1/v1/', model: 'm' }).id).toBe('openai:http://h:1/v1#m');
  });
});

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodePng } from '@evolmm/backend-openai';
import { EvolmmError } from '@evolmm/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answer, createFakeModel, imageDigests, untilAborted } from './__fixtures__/fake-model.js';
import type { FakeModelOptions } from './__fixtures__/fake-model.js';
import { createServeApp } from './serve-app.js';
import type { ServeApp, ServeOptions } from './serve-app.js';

const png = encodePng({ width: 4, height: 2, channels: 3, data: new Uint8Array(24).fill(9) });
const dataUrl = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
let dirs: { root: string; allowed: string; outside: string };
beforeAll(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'evolmm-serve-'));
  dirs = { root, allowed: path.join(root, 'allowed'), outside: path.join(root, 'outside') };
  await mkdir(path.join(dirs.allowed, 'sub'), { recursive: true });
  await mkdir(dirs.outside);
  await writeFile(path.join(dirs.allowed, 'sub', 'chart.png'), png);
  await writeFile(path.join(dirs.outside, 'secret.png'), png);
  await symlink(path.join(dirs.outside, 'secret.png'), path.join(dirs.allowed, 'escape.png'));
  await symlink(dirs.outside, path.join(dirs.allowed, 'escape-dir'));
});

afterAll(async () => {
  await rm(dirs.root, { recursive: true, force: true });
});

let app: ServeApp | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(opts: Partial<ServeOptions> = {}, fakeOpts: FakeModelOptions = {}) {
  const fake = createFakeModel(fakeOpts);
  app = createServeApp({ model: fake.model, modelName: 'tiny', allowDirs: [dirs.allowed], ...opts });
  const addr = await app.listen(0);
  return { ...fake, base: addr.url, addr };
}

async function post(base: string, body: unknown, init: RequestInit = {}) {
  const res = await fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
}

const user = (content: unknown) => ({ model: 'tiny', messages: [{ role: 'user', content }] });

/** Asserts the OpenAI error shape and returns the error object. */
function expectOpenAIError(r: { status: number; json: any }, status: number) {
  expect(r.status).toBe(status);
  expect(Object.keys(r.json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof r.json.error.message).toBe('string');
  return r.json.error as { message: string; type: string; param: string | null; code: string | null };
}

describe('endpoints', () => {
  it('binds 127.0.0.1 by default and answers /health and /v1/models', async () => {
    const s = await start({ adapters: { 'tiny-proposer': 'proposer' } });
    expect(s.addr.host).toBe('127.0.0.1');
    const health = await (await fetch(s.base.replace('/v1', '/health'))).json();
    expect(health).toMatchObject({ status: 'ok', model: 'tiny', active: 0, queued: 0 });
    const models = (await (await fetch(`${s.base}/models`)).json()) as { data: Array<{ id: string; parent: string | null }> };
    expect(models.data.map((m) => [m.id, m.parent])).toEqual([
      ['tiny', null],
      ['tiny-proposer', 'tiny'],
    ]);
  });

  it('maps every OpenAI field onto GenerateRequest and the completions back', async () => {
    const s = await start();
    const r = await post(s.base, {
      model: 'tiny',
      messages: [
        { role: 'developer', content: 'be brief' },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: dataUrl } }, { type: 'text', text: 'what?' }] },
      ],
      n: 3,
      temperature: 0.7,
      top_p: 0.9,
      top_k: -1,
      seed: 5,
      max_completion_tokens: 17,
      max_tokens: 99,
      stop: '</answer>',
      logprobs: true,
      user: 'ignored-field',
    });
    expect(r.status).toBe(200);
    const got = s.calls[0]!;
    expect(got.signal).toBeInstanceOf(AbortSignal);
    expect({ ...got, signal: undefined, messages: undefined }).toEqual({
      n: 3, temperature: 0.7, topP: 0.9, topK: 0, seed: 5, maxNewTokens: 17, stop: ['</answer>'], logprobs: true,
      signal: undefined, messages: undefined,
    });
    expect(got.messages[0]).toEqual({ role: 'system', content: 'be brief' });
    expect(imageDigests(got)).toEqual(imageDigests({ messages: [{ role: 'user', content: [{ type: 'image', image: png }] }] }));
    const expected = answer(got);
    expect(r.json.object).toBe('chat.completion');
    expect(r.json.model).toBe('tiny');
    expect(r.json.choices.map((c: any) => [c.index, c.message.content, c.finish_reason])).toEqual(
      expected.map((c, i) => [i, c.text, c.finishReason]),
    );
    expect(r.json.choices[1].logprobs.content.map((t: any) => [t.token, t.logprob])).toEqual([
      ['token_id:1001', -0.5],
      ['token_id:5', -1],
      ['token_id:1', -2],
    ]);
    expect(r.json.usage.completion_tokens).toBe(9);
  });

  it('selects a LoRA adapter through its served model name', async () => {
    const s = await start({ adapters: { 'tiny-proposer': 'proposer' } });
    const r = await post(s.base, { ...user('q'), model: 'tiny-proposer' });
    expect(r.status).toBe(200);
    expect(s.calls[0]!.adapter).toBe('proposer');
    expect(r.json.model).toBe('tiny-proposer');
  });

  it('streams SSE chunks that reassemble into the non-streamed answer, ending with [DONE]', async () => {
    const s = await start();
    const body = { ...user('hello'), n: 2, seed: 3, logprobs: true, stream: true, stream_options: { include_usage: true } };
    const res = await fetch(`${s.base}/chat/completions`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const raw = await res.text();
    const events = raw.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    expect(events.at(-1)).toBe('[DONE]');
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    const text = ['', ''];
    const finish: string[] = [];
    const roles: string[] = [];
    for (const c of chunks) {
      expect(c.object).toBe('chat.completion.chunk');
      for (const ch of c.choices) {
        if (ch.delta.role) roles[ch.index] = ch.delta.role;
        text[ch.index] += ch.delta.content ?? '';
        if (ch.finish_reason) finish[ch.index] = ch.finish_reason;
      }
    }
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const plain = await post(s.base, { ...body, stream: false });
    expect(roles).toEqual(['assistant', 'assistant']);
    expect(text).toEqual(plain.json.choices.map((c: any) => c.message.content));
    expect(finish).toEqual(plain.json.choices.map((c: any) => c.finish_reason));
    expect(chunks.at(-1).usage).toEqual(plain.json.usage);
  });

  it('sends a model failure during a stream as an error event, then [DONE]', async () => {
    const s = await start({}, { failures: [new EvolmmError('UNSUPPORTED', 'no topK here')] });
    const res = await fetch(`${s.base}/chat/completions`, { method: 'POST', body: JSON.stringify({ ...user('x'), stream: true }) });
    const raw = await res.text();
    expect(raw).toContain('"message":"no topK here"');
    expect(raw.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});

describe('bad requests get 4xx JSON errors and never crash the server', () => {
  it('malformed JSON → 400, non-object → 400, missing messages → 400', async () => {
    const s = await start();
    expect(expectOpenAIError(await post(s.base, '{"model": "tiny", '), 400).code).toBe('invalid_json');
    expectOpenAIError(await post(s.base, '[1,2]'), 400);
    expect(expectOpenAIError(await post(s.base, { model: 'tiny' }), 400).param).toBe('messages');
    expect(expectOpenAIError(await post(s.base, { messages: [] }), 400).param).toBe('model');
  });

  it('unknown model → 404 model_not_found listing the served names', async () => {
    const s = await start();
    const e = expectOpenAIError(await post(s.base, { ...user('x'), model: 'gpt-4o' }), 404);
    expect(e.code).toBe('model_not_found');
    expect(e.message).toContain("'tiny'");
  });

  it.each([
    [{ n: 0 }, 'n'],
    [{ n: 1.5 }, 'n'],
    [{ n: 65 }, 'n'],
    [{ temperature: -1 }, 'temperature'],
    [{ temperature: 'hot' }, 'temperature'],
    [{ top_p: 0 }, 'top_p'],
    [{ top_k: -2 }, 'top_k'],
    [{ seed: 1.5 }, 'seed'],
    [{ max_tokens: 0 }, 'max_tokens'],
    [{ stop: [1] }, 'stop'],
    [{ logprobs: 'yes' }, 'logprobs'],
    [{ top_logprobs: 5 }, 'top_logprobs'],
    [{ presence_penalty: 0.5 }, 'presence_penalty'],
    [{ repetition_penalty: 1.05 }, 'repetition_penalty'],
    [{ tools: [{ type: 'function' }] }, 'tools'],
    [{ response_format: { type: 'json_object' } }, 'response_format'],
    [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].role'],
    [{ messages: [{ role: 'user', content: [{ type: 'audio' }] }] }, 'messages[0].content[0].type'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'messages[0].content[0].image_url'],
    [{ messages: [{ role: 'user', content: 42 }] }, 'messages[0].content'],
  ])('invalid field %j → 400 naming param %s', async (patch, param) => {
    const s = await start();
    const e = expectOpenAIError(await post(s.base, { ...user('x'), ...patch }), 400);
    expect(e.param).toBe(param);
    expect(s.calls).toHaveLength(0);
  });

  it('accepts the neutral values of refused fields (repetition_penalty 1, top_k 0, tools [])', async () => {
    const s = await start();
    const r = await post(s.base, { ...user('x'), repetition_penalty: 1, presence_penalty: 0, top_k: 0, tools: [], stop: null });
    expect(r.status).toBe(200);
    expect(s.calls[0]!.topK).toBe(0);
  });

  it('body over the limit → 413, by Content-Length and by chunked streaming', async () => {
    const s = await start({ maxBodyBytes: 1024 });
    const big = JSON.stringify(user('x'.repeat(5000)));
    expect(expectOpenAIError(await post(s.base, big), 413).code).toBe('request_too_large');
    // A chunked upload has no Content-Length: the limit must trip while reading.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode('x'.repeat(512)));
        c.close();
      },
    });
    const r = await post(s.base, stream as unknown as string, { body: stream, duplex: 'half' } as RequestInit);
    expectOpenAIError(r, 413);
    expect(s.calls).toHaveLength(0);
    expect((await post(s.base, user('small'))).status).toBe(200);
  });

  it('wrong method → 405, unknown route → 404, wrong API key → 401', async () => {
    const s = await start({ apiKey: 'k1' });
    const auth = { authorization: 'Bearer k1' };
    const get = await fetch(`${s.base}/chat/completions`, { headers: auth });
    expectOpenAIError({ status: get.status, json: await get.json() }, 405);
    expect(get.headers.get('allow')).toBe('POST');
    const nf = await fetch(`${s.base}/completions`, { method: 'POST', headers: auth });
    expectOpenAIError({ status: nf.status, json: await nf.json() }, 404);
    expectOpenAIError(await post(s.base, user('x'), { headers: { authorization: 'Bearer k2' } }), 401);
    expectOpenAIError(await post(s.base, user('x')), 401);
    expect((await post(s.base, user('x'), { headers: auth })).status).toBe(200);
  });

  it('malformed HTTP is answered with a JSON 400 and the server keeps serving', async () => {
    const s = await start();
    const raw = await new Promise<string>((resolve, reject) => {
      import('node:net').then(({ connect }) => {
        const sock = connect(s.addr.port, '127.0.0.1', () => sock.write('GARBAGE / HTTP/1.1\r\nHost: x\r\n\r\n'));
        let data = '';
        sock.on('data', (d) => (data += d));
        sock.on('end', () => resolve(data));
        sock.on('error', reject);
      });
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('"error"');
    expect((await post(s.base, user('x'))).status).toBe(200);
  });

  it('model errors map to 400 (caller errors) or 500 (everything else) with the message', async () => {
    const s = await start({}, { failures: [new EvolmmError('INVALID_ARGUMENT', 'adapter x unknown'), new TypeError('kaboom')] });
    expect(expectOpenAIError(await post(s.base, user('x')), 400).message).toBe('adapter x unknown');
    expect(expectOpenAIError(await post(s.base, user('x')), 500).message).toContain('kaboom');
    expect((await post(s.base, user('x'))).status).toBe(200);
  });
});

describe('images', () => {
  const img = (url: string) => user([{ type: 'image_url', image_url: { url } }, { type: 'text', text: 'q' }]);

  it('reads files under an allow-dir by absolute path and file:// URL', async () => {
    const s = await start();
    const file = path.join(dirs.allowed, 'sub', 'chart.png');
    expect((await post(s.base, img(file))).status).toBe(200);
    expect((await post(s.base, img(pathToFileURL(file).href))).status).toBe(200);
    expect((await post(s.base, user([{ type: 'image_url', image_url: file }]))).status).toBe(200); // bare-string form
    const want = imageDigests({ messages: [{ role: 'user', content: [{ type: 'image', image: png }] }] });
    expect(s.calls.map(imageDigests)).toEqual([want, want, want]);
  });

  it.each([
    ['outside file', () => path.join(dirs.outside, 'secret.png')],
    ['.. traversal', () => `${dirs.allowed}/sub/../../outside/secret.png`],
    ['file:// traversal', () => `file://${dirs.allowed}/sub/../../outside/secret.png`],
    ['percent-encoded traversal', () => `file://${dirs.allowed}/%2e%2e/outside/secret.png`],
    ['symlinked file escaping', () => path.join(dirs.allowed, 'escape.png')],
    ['symlinked folder escaping', () => path.join(dirs.allowed, 'escape-dir', 'secret.png')],
    ['/etc/passwd', () => '/etc/passwd'],
    ['a nonexistent path outside', () => '/nonexistent/x.png'],
  ])('%s → 403 path_not_allowed', async (_, url) => {
    const s = await start();
    const e = expectOpenAIError(await post(s.base, img(url())), 403);
    expect(e.code).toBe('path_not_allowed');
    expect(e.param).toBe('messages[0].content[0].image_url');
    expect(s.calls).toHaveLength(0);
  });

  it('without any allow-dir every path is refused with 403 and a hint', async () => {
    const s = await start({ allowDirs: [] });
    const e = expectOpenAIError(await post(s.base, img(path.join(dirs.allowed, 'sub', 'chart.png'))), 403);
    expect(e.message).toContain('--allow-dir');
    expect((await post(s.base, img(dataUrl))).status).toBe(200);
  });

  it.each([
    ['relative path', 'sub/chart.png', 'invalid_image_url'],
    ['remote URL', 'https://example.com/a.png', 'invalid_image_url'],
    ['non-image data URL', 'data:text/plain;base64,aGk=', 'invalid_image_url'],
    ['bad base64', 'data:image/png;base64,@@@@', 'invalid_image_url'],
    ['non-image bytes', `data:image/png;base64,${Buffer.from('hello there').toString('base64')}`, 'invalid_image'],
    ['missing file inside', '__ALLOWED__/nope.png', 'image_not_found'],
    ['folder inside', '__ALLOWED__/sub', 'invalid_image_url'],
    ['encoded slash', 'file:///__ALLOWED__%2fsub%2fchart.png', 'invalid_image_url'],
  ])('%s → 400 %s', async (_, url, code) => {
    const s = await start();
    const e = expectOpenAIError(await post(s.base, img(url.replace('/__ALLOWED__', dirs.allowed).replace('__ALLOWED__', dirs.allowed))), 400);
    expect(e.code).toBe(code);
  });

  it('refuses images over the pixel limit from the header, before decoding (decompression bomb)', async () => {
    const s = await start({ maxImagePixels: 4 * 2 });
    expect((await post(s.base, img(dataUrl))).status).toBe(200);
    const bomb = encodePng({ width: 1, height: 1, channels: 3, data: new Uint8Array(3) });
    new DataView(bomb.buffer, bomb.byteOffset).setUint32(16, 50_000);
    const e = expectOpenAIError(await post(s.base, img(`data:image/png;base64,${Buffer.from(bomb).toString('base64')}`)), 400);
    expect(e.code).toBe('image_too_large');
    expect(e.message).toContain('50000x1');
  });
});

describe('load and cancellation', () => {
  it('answers 100 concurrent clients, each with its own answer', async () => {
    const s = await start({ concurrency: 2 }, { gate: () => new Promise((r) => setTimeout(r, 2)) });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => post(s.base, { ...user(`q${i}`), seed: i })));
    expect(results.map((r) => r.status)).toEqual(Array(100).fill(200));
    results.forEach((r, i) => expect(r.json.choices[0].message.content).toContain(`user:q${i} `));
    expect(s.state.completed).toBe(100);
    expect(s.state.maxInFlight).toBeLessThanOrEqual(2);
  });

  it('answers 429 with Retry-After when the queue is full', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = await start({ concurrency: 1, maxQueue: 1 }, { gate: () => gate });
    const first = post(s.base, user('a'));
    const second = post(s.base, user('b'));
    while (app!.stats().queued < 1) await new Promise((r) => setTimeout(r, 5));
    const third = await post(s.base, user('c'));
    const e = expectOpenAIError(third, 429);
    expect(e.type).toBe('rate_limit_error');
    expect(third.headers.get('retry-after')).toBe('1');
    const streamed = await post(s.base, { ...user('d'), stream: true });
    expect(streamed.status).toBe(429);
    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
  });

  it("a client disconnect aborts the model's signal", async () => {
    const s = await start({}, { gate: (req, call) => (call === 0 ? untilAborted(req.signal) : Promise.resolve()) });
    const ac = new AbortController();
    const p = post(s.base, user('long'), { signal: ac.signal }).catch((e: Error) => e);
    while (s.state.inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    expect(await p).toBeInstanceOf(Error);
    while (s.state.aborted === 0) await new Promise((r) => setTimeout(r, 5));
    expect(s.calls[0]!.signal!.aborted).toBe(true);
    expect(app!.stats()).toEqual({ active: 0, queued: 0 });
    expect((await post(s.base, user('x'))).status).toBe(200); // still serving
  });

  it('a client that leaves a streaming request or the queue is dropped without generating', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = await start({ concurrency: 1 }, { gate: (req, call) => (call === 0 ? gate : untilAborted(req.signal)) });
    const first = post(s.base, user('a'));
    while (s.state.inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise<void>((resolve) => {
      // raw node:http so the socket can be destroyed mid-request
      const req = httpRequest(`${s.base}/chat/completions`, { method: 'POST' }, () => {});
      req.on('error', () => {});
      req.end(JSON.stringify({ ...user('queued'), stream: true }));
      const wait = setInterval(() => {
        if (app!.stats().queued === 1) {
          clearInterval(wait);
          req.destroy();
          resolve();
        }
      }, 5);
    });
    while (app!.stats().queued !== 0) await new Promise((r) => setTimeout(r, 5));
    release();
    expect((await first).status).toBe(200);
    expect(s.calls).toHaveLength(1); // the queued request never reached the model
  });
});

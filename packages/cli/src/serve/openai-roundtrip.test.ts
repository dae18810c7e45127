/**
 * @evolmm/backend-openai against a local evolmm serve over a deterministic fake model: the HTTP path must be
 * invisible — every option arrives, and the completions equal what the model returns when called directly.
 * (These tests live here because the dependency arrow points cli → backend-openai.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createOpenAIModel, encodePng, openaiModelFactory } from '@evolmm/backend-openai';
import type { OpenAIModelOptions, RetryInfo } from '@evolmm/backend-openai';
import type { GenerateRequest, RawImage } from '@evolmm/core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { answer, createFakeModel, untilAborted } from './__fixtures__/fake-model.js';
import type { FakeModelOptions } from './__fixtures__/fake-model.js';
import { createServeApp } from './serve-app.js';
import type { ServeApp, ServeOptions } from './serve-app.js';

let app: ServeApp | undefined;
const tmpDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true })));
});
const models: Array<{ dispose(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(models.splice(0).map((m) => m.dispose()));
  await app?.close();
  app = undefined;
});

async function setup(serve: Partial<ServeOptions> = {}, fakeOpts: FakeModelOptions = {}, client: Partial<OpenAIModelOptions> = {}) {
  const fake = createFakeModel(fakeOpts);
  app = createServeApp({ model: fake.model, modelName: 'tiny', ...serve });
  const { url } = await app.listen(0);
  const remote = createOpenAIModel({ baseURL: url, model: 'tiny', retryBaseDelayMs: 1, ...client });
  models.push(remote);
  return { fake, remote, url };
}

const raw: RawImage = { width: 3, height: 2, channels: 4, data: Uint8Array.from({ length: 24 }, (_, i) => i * 10) };
const png = encodePng({ width: 2, height: 2, channels: 3, data: Uint8Array.from({ length: 12 }, (_, i) => 255 - i) });
const dataUrl = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
const ask = (text: string): GenerateRequest => ({ messages: [{ role: 'user', content: text }], temperature: 0, maxNewTokens: 8 });

describe('backend-openai ⇄ evolmm serve', () => {
  it('round-trips every option and returns exactly what the model returns directly', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'evolmm-rt-'));
    tmpDirs.push(dir);
    const file = path.join(dir, 'chart.png');
    await writeFile(file, png);
    const { fake, remote } = await setup(
      { adapters: { 'tiny-proposer': 'proposer' } },
      {},
      { tokenIds: true, adapterModels: { proposer: 'tiny-proposer' } },
    );
    const req: GenerateRequest = {
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: [{ type: 'image', image: file }, { type: 'image', image: raw }, { type: 'text', text: 'What is shown?' }] },
        { role: 'assistant', content: 'A chart.' },
        { role: 'user', content: [{ type: 'image', image: png }, { type: 'image', image: dataUrl }, { type: 'text', text: 'And here?' }] },
      ],
      n: 4,
      temperature: 0.8,
      topP: 0.95,
      topK: 40,
      seed: 1234,
      maxNewTokens: 64,
      stop: ['</answer>', '\n\n'],
      logprobs: true,
      adapter: 'proposer',
    };
    const viaHttp = await remote.generate(req);

    // What the model saw: the same request, images as encoded bytes (files read, pixels PNG-encoded).
    const seen = fake.calls[0]!;
    const { signal: _signal, ...seenFields } = seen;
    const asBytes: GenerateRequest = {
      ...req,
      messages: [
        req.messages[0]!,
        { role: 'user', content: [{ type: 'image', image: png }, { type: 'image', image: encodePng(raw) }, { type: 'text', text: 'What is shown?' }] },
        req.messages[2]!,
        { role: 'user', content: [{ type: 'image', image: png }, { type: 'image', image: png }, { type: 'text', text: 'And here?' }] },
      ],
    };
    expect(seenFields).toEqual(asBytes);

    // What came back equals a direct call, token ids and logprobs included.
    const direct = answer(asBytes);
    expect(viaHttp).toEqual(direct);
    expect(viaHttp.map((c) => c.finishReason)).toEqual(['stop', 'length', 'stop', 'length']);
  });

  it('greedy requests give the same completions through HTTP as direct calls (the bench equivalence)', async () => {
    const { remote } = await setup({}, {}, { tokenIds: true });
    const prompts = ['What is the highest bar?', 'Sum of 3 and 4?', 'ünïcödé ✓ and "quotes"\nnewline'];
    for (const p of prompts) {
      const req = { ...ask(p), topP: 1, topK: 0, seed: 0, logprobs: true };
      expect(await remote.generate(req)).toEqual(answer({ ...req, n: 1 }));
    }
  });

  it('retries a 500 from a failing model and succeeds', async () => {
    const retries: RetryInfo[] = [];
    const { fake, remote } = await setup({}, { failures: [new Error('CUDA hiccup')] }, { onRetry: (r) => retries.push(r) });
    const out = await remote.generate(ask('x'));
    expect(out[0]!.text).toContain('user:x');
    expect(fake.calls).toHaveLength(2);
    expect(retries.map((r) => r.status)).toEqual([500]);
    expect(retries[0]!.error.message).toContain('CUDA hiccup');
  });

  it("retries the server's 429 after its Retry-After when the queue is full", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const retries: RetryInfo[] = [];
    const { fake, remote } = await setup(
      { concurrency: 1, maxQueue: 0 },
      { gate: (_req, call) => (call === 0 ? held : Promise.resolve()) },
      {
        onRetry: (r) => {
          retries.push(r);
          release(); // the busy generation finishes while the client waits
        },
      },
    );
    const busy = remote.generate(ask('first'));
    while (fake.state.inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    const second = await remote.generate(ask('second'));
    expect(retries.map((r) => [r.attempt, r.status, r.delayMs])).toEqual([[1, 429, 1000]]);
    expect(retries[0]!.error.details).toMatchObject({ status: 429, type: 'rate_limit_error', code: 'queue_full' });
    expect(second[0]!.text).toContain('user:second');
    expect((await busy)[0]!.text).toContain('user:first');
  });

  it('times out, and the server cancels the abandoned generation', async () => {
    const { fake, remote } = await setup({}, { gate: (req, call) => (call === 0 ? untilAborted(req.signal) : Promise.resolve()) }, { timeoutMs: 300, maxRetries: 0 });
    await expect(remote.generate(ask('slow'))).rejects.toMatchObject({ code: 'REMOTE', message: /timed out after 300 ms/ });
    while (fake.state.aborted === 0) await new Promise((r) => setTimeout(r, 5));
    expect(fake.calls[0]!.signal!.aborted).toBe(true);
  });

  it('retries after a timeout and succeeds on the next attempt', async () => {
    const { fake, remote } = await setup({ concurrency: 2 }, { gate: (req, call) => (call === 0 ? untilAborted(req.signal) : Promise.resolve()) }, { timeoutMs: 300, maxRetries: 2 });
    const out = await remote.generate(ask('slow then fast'));
    expect(out[0]!.text).toContain('user:slow then fast');
    expect(fake.calls).toHaveLength(2);
  });

  it("a caller's AbortSignal cancels the server-side generation", async () => {
    const { fake, remote } = await setup({}, { gate: (req) => untilAborted(req.signal) });
    const ac = new AbortController();
    const p = remote.generate({ ...ask('x'), signal: ac.signal });
    while (fake.state.inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
    while (fake.state.aborted === 0) await new Promise((r) => setTimeout(r, 5));
  });

  it('honours the client concurrency limit (server allows 16, client 3)', async () => {
    const gate = async () => {
      const start = Date.now();
      // Hold until 3 are in flight (or 300 ms): an unlimited client would push the maximum past 3.
      while (fake.state.inFlight < 3 && Date.now() - start < 300) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, 5));
    };
    const s = await setup({ concurrency: 16 }, { gate }, { concurrency: 3 });
    const fake = s.fake;
    const outs = await Promise.all(Array.from({ length: 12 }, (_, i) => s.remote.generate({ ...ask(`q${i}`), seed: i })));
    outs.forEach((o, i) => expect(o[0]!.text).toContain(`user:q${i} `));
    expect(fake.state.maxInFlight).toBe(3);
  });

  it("surfaces the server's 4xx message without retrying", async () => {
    const retries: RetryInfo[] = [];
    const { fake, remote, url } = await setup({}, {}, { onRetry: (r) => retries.push(r) });
    await expect(remote.generate({ ...ask('x'), temperature: -1 })).rejects.toMatchObject({
      code: 'REMOTE',
      message: /HTTP 400: 'temperature' must be a number/,
      details: { status: 400, param: 'temperature' },
    });
    const wrong = createOpenAIModel({ baseURL: url, model: 'gpt-4o' });
    models.push(wrong);
    await expect(wrong.generate(ask('x'))).rejects.toMatchObject({ code: 'REMOTE', details: { status: 404, code: 'model_not_found' } });
    expect(retries).toHaveLength(0);
    expect(fake.calls).toHaveLength(0);
  });

  it('the registry factory finds the served model name by itself', async () => {
    const { url } = await setup();
    const m = await openaiModelFactory(url);
    models.push(m);
    expect(m.id).toBe(`openai:${url}#tiny`);
    expect((await m.generate(ask('hi')))[0]!.text).toContain('user:hi');
  });
});

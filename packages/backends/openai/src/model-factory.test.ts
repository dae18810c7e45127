import { createModelRegistry } from '@evolmm/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer } from './__fixtures__/fake-openai-server.js';
import { openaiModelFactory } from './model-factory.js';

let fake: Awaited<ReturnType<typeof startFakeOpenAIServer>>;
beforeEach(async () => {
  fake = await startFakeOpenAIServer();
});
afterEach(async () => {
  await fake.close();
});

describe('openaiModelFactory', () => {
  it('resolves "openai:<baseURL>#<model>" through core\'s registry and passes options through', async () => {
    const registry = createModelRegistry({ openai: openaiModelFactory });
    const m = await registry.resolve(`openai:${fake.baseURL}#Qwen/Qwen2.5-VL-7B-Instruct`, { apiKey: 'k', device: 'ignored' });
    expect(m.id).toBe(`openai:${fake.baseURL}#Qwen/Qwen2.5-VL-7B-Instruct`);
    await m.generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(fake.seen[0]!.body.model).toBe('Qwen/Qwen2.5-VL-7B-Instruct');
    expect(fake.seen[0]!.headers.authorization).toBe('Bearer k');
  });

  it('asks the server for the model name when the spec has none', async () => {
    const m = await openaiModelFactory(fake.baseURL);
    expect(m.model).toBe('fake-model');
    expect(fake.seen[0]!.url).toBe('/v1/models');
  });

  it('lists the choices when the server has several models', async () => {
    fake.script.push({ status: 200, body: { data: [{ id: 'a' }, { id: 'b' }] } });
    await expect(openaiModelFactory(fake.baseURL)).rejects.toThrow(/lists a, b; add '#<model>'/);
  });

  it('rejects a location that is not an http URL', async () => {
    await expect(openaiModelFactory('./models/x#m')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

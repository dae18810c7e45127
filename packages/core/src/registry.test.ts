import { describe, expect, it } from 'vitest';
import { EvolmmError } from './errors.js';
import { createModelRegistry, parseModelSpec } from './registry.js';
import type { VisionLanguageModel } from './spec/model.js';

const fake = (id: string): VisionLanguageModel => ({
  specificationVersion: 'v1',
  id,
  generate: async () => [{ text: id, tokenIds: [], finishReason: 'stop' }],
  dispose: async () => {},
});

describe('parseModelSpec', () => {
  it('splits at the first colon', () => {
    expect(parseModelSpec('tfjs:./models/a')).toEqual({ backend: 'tfjs', location: './models/a' });
    expect(parseModelSpec('openai:http://h:8000/v1#Qwen/Qwen2.5-VL')).toEqual({
      backend: 'openai',
      location: 'http://h:8000/v1#Qwen/Qwen2.5-VL',
    });
  });
  it('rejects specs without a backend, with examples', () => {
    expect(() => parseModelSpec('./models/a')).toThrow(/backend:location/);
  });
});

describe('createModelRegistry', () => {
  it('resolves registered backends and passes options through', async () => {
    const seen: unknown[] = [];
    const reg = createModelRegistry({
      tfjs: async (loc, opts) => {
        seen.push(opts.device);
        return fake(`tfjs:${loc}`);
      },
    });
    const m = await reg.resolve('tfjs:/x', { device: 'cpu' });
    expect(m.id).toBe('tfjs:/x');
    expect(seen).toEqual(['cpu']);
  });
  it('names the closest backend when the name is mistyped', async () => {
    const reg = createModelRegistry({ onnx: async (l) => fake(l), tfjs: async (l) => fake(l) });
    const err = await reg.resolve('onx:/x').catch((e: unknown) => e);
    expect(EvolmmError.isInstance(err)).toBe(true);
    expect((err as EvolmmError).code).toBe('NOT_FOUND');
    expect((err as Error).message).toContain("did you mean 'onnx'");
  });
  it('register adds backends and validates names', async () => {
    const reg = createModelRegistry();
    reg.register('my-backend', async (l) => fake(l));
    expect(reg.backends()).toEqual(['my-backend']);
    expect(() => reg.register('Bad Name', async (l) => fake(l))).toThrow(/lowercase/);
  });
});

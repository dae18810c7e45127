import { createHash, type Hash } from 'node:crypto';
import type { ChatMessage, ImageInput } from '@evolmm/core';
import type { GenerationOverrides } from './types.js';

function updateImage(h: Hash, image: ImageInput): void {
  if (typeof image === 'string') h.update(`str:${image.length}:`).update(image);
  else if (image instanceof URL) h.update(`url:${image.href.length}:`).update(image.href);
  else if (image instanceof Uint8Array) h.update(`bytes:${image.byteLength}:`).update(image);
  else h.update(`raw:${image.width}x${image.height}x${image.channels}:${image.data.byteLength}:`).update(image.data);
}

/** sha256 over everything a model sees: roles, texts, and image bytes (paths and URLs by name). */
export function promptDigest(messages: readonly ChatMessage[]): string {
  const h = createHash('sha256');
  for (const m of messages) {
    h.update(`|${m.role}|`);
    if (typeof m.content === 'string') h.update(`text:${m.content.length}:`).update(m.content);
    else {
      for (const part of m.content) {
        if (part.type === 'text') h.update(`text:${part.text.length}:`).update(part.text);
        else updateImage(h, part.image);
      }
    }
  }
  return h.digest('hex');
}

/** The generation settings that change outputs, with undefined entries dropped and keys sorted. */
export function canonicalGeneration(g: GenerationOverrides): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(g).sort()) {
    const v = (g as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * Cache key of one item's output: model id, benchmark, item id, and a hash of the prompt and the generation
 * settings, so changing any of them (a new prompt style, another max_tokens) misses the cache instead of reusing a
 * stale output.
 */
export function cacheKey(model: string, benchmark: string, item: string, messages: readonly ChatMessage[], generation: GenerationOverrides): string {
  return createHash('sha256')
    .update(JSON.stringify([model, benchmark, item, promptDigest(messages), canonicalGeneration(generation)]))
    .digest('hex');
}

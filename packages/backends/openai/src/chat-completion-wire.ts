import { EvolmmError } from '@evolmm/core';
import type { ChatMessage, Completion } from '@evolmm/core';
import { imageToUrl } from './image-url.js';

/** A content part of an OpenAI chat message. */
export type WireContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface WireMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | WireContentPart[];
}

/** The subset of a `/v1/chat/completions` response this package reads. */
interface WireChoice {
  index?: number;
  message?: { content?: string | null };
  finish_reason?: string | null;
  logprobs?: { content?: Array<{ token?: string; logprob?: number }> | null } | null;
}

/** ChatMessages → OpenAI messages; images become data URLs (files, bytes, pixels) or pass through (http, data). */
export async function toWireMessages(messages: readonly ChatMessage[], signal?: AbortSignal): Promise<WireMessage[]> {
  // Convert every image once even if it repeats: callers usually send one image per prompt.
  return Promise.all(
    messages.map(async (m): Promise<WireMessage> => {
      if (typeof m.content === 'string') return { role: m.role, content: m.content };
      const parts = await Promise.all(
        m.content.map(async (p): Promise<WireContentPart> => {
          if (p.type === 'text') return { type: 'text', text: p.text };
          if (p.type === 'image') return { type: 'image_url', image_url: { url: await imageToUrl(p.image, signal) } };
          throw new EvolmmError('INVALID_ARGUMENT', `unknown content part type '${(p as { type: string }).type}'; expected 'text' or 'image'`);
        }),
      );
      return { role: m.role, content: parts };
    }),
  );
}

/** vLLM's `return_tokens_as_token_ids` names each logprob token "token_id:<id>"; evolmm serve does the same. */
const TOKEN_ID = /^token_id:(\d+)$/;

/**
 * Reads `choices` into Completions, ordered by `index`. finish_reason 'length' → 'length'; every other reason
 * ('stop', 'eos', vLLM's 'abort', null...) → 'stop', the only other value the contract has.
 */
export function parseChoices(body: unknown, wantLogprobs: boolean, wantTokenIds: boolean, origin: string): Completion[] {
  const choices = (body as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) {
    throw new EvolmmError('REMOTE', `${origin} answered without a 'choices' array; is it an OpenAI-compatible /chat/completions endpoint?`, {
      details: { body: truncate(JSON.stringify(body)) },
    });
  }
  const sorted = [...(choices as WireChoice[])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return sorted.map((c) => {
    const content = c.logprobs?.content ?? [];
    let tokenIds: number[] = [];
    if (wantTokenIds) {
      const ids = content.map((t) => TOKEN_ID.exec(t.token ?? '')?.[1]);
      // All or nothing: a partial id list would misalign tokens and log-probabilities for a trainer.
      if (ids.length > 0 && ids.every((x) => x !== undefined)) tokenIds = ids.map(Number);
    }
    const completion: Completion = {
      text: typeof c.message?.content === 'string' ? c.message.content : '',
      tokenIds,
      finishReason: c.finish_reason === 'length' ? 'length' : 'stop',
      ...(wantLogprobs ? { logprobs: content.map((t) => (typeof t.logprob === 'number' ? t.logprob : Number.NaN)) } : {}),
    };
    return completion;
  });
}

/** The error message inside an error body: OpenAI `{error:{message}}`, vLLM/FastAPI `{message}` / `{detail}`, or text. */
export function remoteErrorMessage(text: string): { message: string; type?: string; code?: unknown; param?: unknown } {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const e = (typeof j.error === 'object' && j.error !== null ? j.error : j) as Record<string, unknown>;
    const message = typeof e.message === 'string' ? e.message : typeof e.detail === 'string' ? e.detail : typeof j.error === 'string' ? j.error : undefined;
    if (message !== undefined) {
      return { message, type: typeof e.type === 'string' ? e.type : undefined, code: e.code, param: e.param };
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return { message: truncate(text.trim()) || '(empty body)' };
}

export function truncate(s: string, max = 500): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

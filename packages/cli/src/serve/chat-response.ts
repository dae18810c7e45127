import type { Completion } from '@evolmm/core';

/**
 * Completions → OpenAI chat.completion objects. Per-token logprob entries are named "token_id:<id>" as vLLM does
 * with `return_tokens_as_token_ids`: the server has no per-token text (the model contract returns ids), and the
 * names let @evolmm/backend-openai recover the exact sampled ids (`tokenIds: true`).
 */
export interface ResponseMeta {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

function logprobsOf(c: Completion) {
  if (!c.logprobs) return null;
  return {
    content: c.logprobs.map((logprob, j) => ({
      token: c.tokenIds[j] === undefined ? '' : `token_id:${c.tokenIds[j]}`,
      logprob,
      bytes: null,
      top_logprobs: [],
    })),
  };
}

/** Prompt tokens are not counted (the model contract does not report them): prompt_tokens is 0. */
function usage(completions: readonly Completion[]) {
  const completionTokens = completions.reduce((s, c) => s + c.tokenIds.length, 0);
  return { prompt_tokens: 0, completion_tokens: completionTokens, total_tokens: completionTokens };
}

export function chatCompletion(meta: ResponseMeta, completions: readonly Completion[], withLogprobs: boolean) {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: completions.map((c, index) => ({
      index,
      message: { role: 'assistant', content: c.text },
      logprobs: withLogprobs ? logprobsOf(c) : null,
      finish_reason: c.finishReason,
    })),
    usage: usage(completions),
  };
}

function chunk(meta: ResponseMeta, choices: unknown[], extra: Record<string, unknown> = {}) {
  return { id: meta.id, object: 'chat.completion.chunk', created: meta.created, model: meta.model, choices, ...extra };
}

/** The first chunk of every choice: the assistant role, sent as soon as the request is accepted. */
export function roleChunks(meta: ResponseMeta, n: number) {
  return Array.from({ length: n }, (_, index) => chunk(meta, [{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]));
}

/**
 * The rest of the stream once generation ends: per choice one content chunk and one finish chunk, then an
 * optional usage chunk. The model contract yields whole completions, so content arrives in one piece per choice.
 */
export function completionChunks(meta: ResponseMeta, completions: readonly Completion[], withLogprobs: boolean, includeUsage: boolean) {
  const out: unknown[] = [];
  completions.forEach((c, index) => {
    out.push(chunk(meta, [{ index, delta: { content: c.text }, logprobs: withLogprobs ? logprobsOf(c) : null, finish_reason: null }]));
    out.push(chunk(meta, [{ index, delta: {}, logprobs: null, finish_reason: c.finishReason }]));
  });
  if (includeUsage) out.push(chunk(meta, [], { usage: usage(completions) }));
  return out;
}

import type { ChatMessage, ChatRole, ContentPart, GenerateRequest } from '@evolmm/core';
import { HttpError } from './http-error.js';
import type { ImageResolver } from './image-resolver.js';

/** A validated `/v1/chat/completions` request. */
export interface ChatRequest {
  /** The `model` field as sent. */
  readonly model: string;
  /** Everything of GenerateRequest except signal and adapter, which the server adds. */
  readonly generate: Omit<GenerateRequest, 'signal' | 'adapter'>;
  readonly stream: boolean;
  readonly includeUsage: boolean;
}

export interface ParseLimits {
  readonly maxN: number;
  readonly maxImages: number;
}

const bad = (message: string, param: string | null, code: string | null = 'invalid_value') =>
  new HttpError(400, message, 'invalid_request_error', param, code);

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function optInt(body: Record<string, unknown>, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw bad(`'${key}' must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`, key);
  }
  return v;
}

function optNumber(body: Record<string, unknown>, key: string, min: number, max: number, minExclusive = false): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v > max || (minExclusive ? v <= min : v < min)) {
    throw bad(`'${key}' must be a number in ${minExclusive ? '(' : '['}${min}, ${max}], got ${JSON.stringify(v)}`, key);
  }
  return v;
}

function optBool(body: Record<string, unknown>, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw bad(`'${key}' must be true or false, got ${JSON.stringify(v)}`, key);
  return v;
}

/**
 * Fields that change what is sampled and that the evolmm model contract cannot honour: refused, not silently
 * ignored (a silently different sampler is the failure docs/method.md §9 D3 warns about). Unknown other fields
 * (user, metadata, ...) are ignored, as OpenAI-compatible servers do.
 */
function refuseUnsupported(body: Record<string, unknown>): void {
  const neutral: Array<[string, (v: unknown) => boolean]> = [
    ['presence_penalty', (v) => v === 0],
    ['frequency_penalty', (v) => v === 0],
    ['repetition_penalty', (v) => v === 1],
    ['top_logprobs', (v) => v === 0],
    ['logit_bias', (v) => isObject(v) && Object.keys(v).length === 0],
    ['tools', (v) => Array.isArray(v) && v.length === 0],
    ['functions', (v) => Array.isArray(v) && v.length === 0],
    ['response_format', (v) => isObject(v) && v.type === 'text'],
    ['echo', (v) => v === false],
    ['best_of', (v) => v === 1],
  ];
  for (const [key, isNeutral] of neutral) {
    const v = body[key];
    if (v !== undefined && v !== null && !isNeutral(v)) {
      throw bad(`'${key}' = ${JSON.stringify(v).slice(0, 60)} is not supported by evolmm serve; remove it`, key, 'unsupported_parameter');
    }
  }
}

/** Validates the JSON body and resolves its images (data URLs, allowed files). */
export async function parseChatRequest(body: unknown, resolveImage: ImageResolver, limits: ParseLimits): Promise<ChatRequest> {
  if (!isObject(body)) throw bad('the request body must be a JSON object', null, 'invalid_type');
  if (typeof body.model !== 'string' || body.model === '') throw bad("'model' is required (GET /v1/models lists the names)", 'model', 'missing_required_parameter');
  refuseUnsupported(body);

  const n = optInt(body, 'n', 1, limits.maxN);
  const temperature = optNumber(body, 'temperature', 0, 100);
  const topP = optNumber(body, 'top_p', 0, 1, true);
  const topK = optInt(body, 'top_k', -1);
  const seed = optInt(body, 'seed', Number.MIN_SAFE_INTEGER);
  // max_completion_tokens is OpenAI's newer name; it wins when both are sent.
  const maxNewTokens = optInt(body, 'max_completion_tokens', 1) ?? optInt(body, 'max_tokens', 1);
  const logprobs = optBool(body, 'logprobs');
  const stream = optBool(body, 'stream') ?? false;
  optBool(body, 'return_tokens_as_token_ids'); // validated only: tokens are always named "token_id:<id>"
  let includeUsage = false;
  if (body.stream_options !== undefined && body.stream_options !== null) {
    if (!isObject(body.stream_options)) throw bad("'stream_options' must be an object", 'stream_options');
    includeUsage = optBool(body.stream_options, 'include_usage') ?? false;
  }

  let stop: string[] | undefined;
  if (typeof body.stop === 'string') stop = [body.stop];
  else if (Array.isArray(body.stop)) {
    if (body.stop.length > 16 || !body.stop.every((s) => typeof s === 'string' && s !== '')) {
      throw bad("'stop' must be a string or an array of at most 16 non-empty strings", 'stop');
    }
    stop = body.stop as string[];
  } else if (body.stop !== undefined && body.stop !== null) throw bad("'stop' must be a string or an array of strings", 'stop');

  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw bad("'messages' must be a non-empty array of {role, content}", 'messages', 'missing_required_parameter');
  }
  let images = 0;
  const messages: ChatMessage[] = [];
  for (const [i, m] of (body.messages as unknown[]).entries()) {
    const param = `messages[${i}]`;
    if (!isObject(m)) throw bad(`${param} must be an object with 'role' and 'content'`, param);
    // "developer" is OpenAI's newer name for the system role.
    const role = (m.role === 'developer' ? 'system' : m.role) as ChatRole;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw bad(`${param}.role must be system, user or assistant, got ${JSON.stringify(m.role)} (tools are not supported)`, `${param}.role`);
    }
    if (typeof m.content === 'string') {
      messages.push({ role, content: m.content });
      continue;
    }
    if ((m.content === null || m.content === undefined) && role === 'assistant') {
      messages.push({ role, content: '' });
      continue;
    }
    if (!Array.isArray(m.content)) throw bad(`${param}.content must be a string or an array of parts`, `${param}.content`);
    const parts: ContentPart[] = [];
    for (const [j, p] of (m.content as unknown[]).entries()) {
      const pp = `${param}.content[${j}]`;
      if (!isObject(p)) throw bad(`${pp} must be an object with a 'type'`, pp);
      if (p.type === 'text') {
        if (typeof p.text !== 'string') throw bad(`${pp}.text must be a string`, `${pp}.text`);
        parts.push({ type: 'text', text: p.text });
      } else if (p.type === 'image_url') {
        const url = typeof p.image_url === 'string' ? p.image_url : isObject(p.image_url) ? p.image_url.url : undefined;
        if (typeof url !== 'string' || url === '') throw bad(`${pp}.image_url.url must be a data: URL or a file path`, `${pp}.image_url`);
        if (++images > limits.maxImages) throw bad(`at most ${limits.maxImages} images per request`, pp, 'too_many_images');
        parts.push({ type: 'image', image: await resolveImage(url, `${pp}.image_url`) });
      } else {
        throw bad(`${pp}.type ${JSON.stringify(p.type)} is not supported; use 'text' or 'image_url'`, `${pp}.type`);
      }
    }
    messages.push({ role, content: parts });
  }

  const generate: Omit<GenerateRequest, 'signal' | 'adapter'> = {
    messages,
    ...(n !== undefined && { n }),
    ...(temperature !== undefined && { temperature }),
    ...(topP !== undefined && { topP }),
    // OpenAI-compatible servers use −1 (vLLM, SGLang) or 0 for "top-k off"; the contract uses 0.
    ...(topK !== undefined && { topK: Math.max(0, topK) }),
    ...(seed !== undefined && { seed }),
    ...(maxNewTokens !== undefined && { maxNewTokens }),
    ...(stop !== undefined && { stop }),
    ...(logprobs !== undefined && { logprobs }),
  };
  return { model: body.model, generate, stream, includeUsage };
}

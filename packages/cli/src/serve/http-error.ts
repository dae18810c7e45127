import type { ServerResponse } from 'node:http';

/** OpenAI's error `type` values that clients switch on. */
export type OpenAIErrorType = 'invalid_request_error' | 'authentication_error' | 'not_found_error' | 'rate_limit_error' | 'server_error';

/**
 * A request the server refuses, answered as `{error:{message,type,param,code}}` — the OpenAI error shape, so
 * OpenAI clients (and @evolmm/backend-openai) surface the message and decide retries by status.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: OpenAIErrorType = status >= 500 ? 'server_error' : 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toJSON() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, err.toJSON(), err.headers);
}

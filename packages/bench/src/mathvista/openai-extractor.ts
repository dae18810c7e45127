/**
 * An `extract(prompt)` function for MathVista's LLM extraction through any OpenAI-compatible chat endpoint (vLLM,
 * SGLang, OpenAI, `evolmm serve`): temperature 0, one user message, as the official script calls GPT.
 */
import type { MathVistaLlmExtract } from './extract.js';

export interface OpenAiExtractorOptions {
  /** Base URL including `/v1`, e.g. `http://localhost:8000/v1`. */
  readonly baseURL: string;
  /** Model name; the official scorer used `gpt-3.5-turbo` / lmms-eval `gpt-4o-2024-11-20`. */
  readonly model: string;
  readonly apiKey?: string;
  /** Injected fetch (tests, proxies); default the global fetch. */
  readonly fetch?: typeof fetch;
  readonly maxTokens?: number;
}

export function openAiCompatibleExtractor(options: OpenAiExtractorOptions): MathVistaLlmExtract {
  const doFetch = options.fetch ?? fetch;
  const url = `${options.baseURL.replace(/\/+$/, '')}/chat/completions`;
  return async (prompt) => {
    const res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
      body: JSON.stringify({
        model: options.model,
        messages: [{ role: 'user', content: prompt }],
        temperature: 0,
        max_tokens: options.maxTokens ?? 256,
      }),
    });
    if (!res.ok) throw new Error(`extraction endpoint ${url} answered ${res.status}`);
    const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
    const content = body.choices?.[0]?.message?.content;
    // The official script strips the model's reply.
    return typeof content === 'string' ? content.trim() : '';
  };
}

import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { EvolmmError } from '@evolmm/core';
import { readJsonFile } from './config.js';

/** The tokenizer surface backends use. */
export interface QwenTokenizer {
  /** Token ids of `text`; no special tokens are added, special-token strings in the text map to their ids. */
  encode(text: string): number[];
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
  /** Number of ids the tokenizer knows (vocabulary + added tokens); may be below the model's vocab_size. */
  readonly vocabSize: number;
  /** Id of a token string such as '<|im_end|>', or undefined. */
  tokenId(token: string): number | undefined;
}

/** Wraps parsed tokenizer.json / tokenizer_config.json objects (docs/runtime.md §6). */
export function createQwenTokenizer(tokenizerJson: unknown, tokenizerConfig: unknown = {}): QwenTokenizer {
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tokenizerJson as object, (tokenizerConfig ?? {}) as object);
  } catch (cause) {
    throw new EvolmmError('MODEL_FORMAT', `tokenizer.json could not be loaded: ${(cause as Error).message}`, { cause });
  }
  const vocabSize = tok.get_vocab(true).size;
  return {
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    decode: (ids, opts = {}) => tok.decode(ids as number[], { skip_special_tokens: opts.skipSpecialTokens ?? false, clean_up_tokenization_spaces: false }),
    vocabSize,
    tokenId: (token) => tok.token_to_id(token),
  };
}

/** Loads `<dir>/tokenizer.json` and `<dir>/tokenizer_config.json` (the latter optional). */
export function loadTokenizerFiles(dir: string): { tokenizer: QwenTokenizer; tokenizerConfig: Record<string, unknown> } {
  const tokenizerJson = readJsonFile(path.join(dir, 'tokenizer.json'), `tokenizer.json in ${dir}`);
  let tokenizerConfig: Record<string, unknown> = {};
  try {
    tokenizerConfig = readJsonFile(path.join(dir, 'tokenizer_config.json')) as Record<string, unknown>;
  } catch (e) {
    if (!(EvolmmError.isInstance(e) && e.code === 'NOT_FOUND')) throw e;
  }
  return { tokenizer: createQwenTokenizer(tokenizerJson, tokenizerConfig), tokenizerConfig };
}

/** Loads the tokenizer of a Hugging Face model folder. */
export async function loadTokenizer(dir: string): Promise<QwenTokenizer> {
  return loadTokenizerFiles(dir).tokenizer;
}

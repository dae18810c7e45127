import fs from 'node:fs';
import path from 'node:path';
import { Template } from '@huggingface/jinja';
import { EvolmmError, type ChatMessage } from '@evolmm/core';
import { QWEN_VL_CHAT_TEMPLATE, renderChatTemplate } from './chat-template.js';
import { loadConfigSync, readJsonFile, type QwenVLConfig } from './config.js';
import { loadImageRgb } from './image-load.js';
import { imageProcessorOptionsFromJson, processImage, type ImageProcessorOptions } from './image-processor.js';
import { getRopeIndex } from './rope-index.js';
import { loadTokenizerFiles, type QwenTokenizer } from './tokenizer.js';

/** Model inputs for one prompt (docs/runtime.md §3.4, §3.6, §4 flow). */
export interface PreparedInput {
  /** Prompt ids with each `<|image_pad|>` expanded to t·h·w/merge² copies. */
  inputIds: Int32Array;
  /** `[numPatches, C·T·P·P]` (1176 for the real models), merge-block-major, all images concatenated; null without images. */
  pixelValues: Float32Array | null;
  imageGridThw: Array<[number, number, number]>;
  /** M-RoPE rows (t, h, w), each inputIds.length long. */
  positionIds: [Int32Array, Int32Array, Int32Array];
  /** A decode token at absolute index i gets position i + ropeDelta on every row. */
  ropeDelta: number;
}

export interface QwenProcessor {
  readonly config: QwenVLConfig;
  readonly tokenizer: QwenTokenizer;
  /** `<|im_end|>`. */
  readonly endOfTurnTokenId: number;
  /** Ids that end a generated turn: `<|im_end|>` plus the config's eos ids (deduplicated). */
  readonly stopTokenIds: readonly number[];
  readonly imageOptions: ImageProcessorOptions;
  /** Prompt text from the chat template; `addGenerationPrompt` defaults to true. */
  renderChat(messages: readonly ChatMessage[], opts?: { addGenerationPrompt?: boolean }): string;
  prepare(messages: readonly ChatMessage[], opts?: { addGenerationPrompt?: boolean }): Promise<PreparedInput>;
}

/**
 * Loads tokenizer.json, tokenizer_config.json (chat template; chat_template.json or the built-in Qwen-VL template
 * when absent) and preprocessor_config.json from a model folder.
 */
export async function loadProcessor(dir: string, config?: QwenVLConfig): Promise<QwenProcessor> {
  const cfg = config ?? loadConfigSync(dir);
  const { tokenizer, tokenizerConfig } = loadTokenizerFiles(dir);
  let templateSrc = typeof tokenizerConfig.chat_template === 'string' ? tokenizerConfig.chat_template : undefined;
  const ctFile = path.join(dir, 'chat_template.json');
  if (!templateSrc && fs.existsSync(ctFile)) {
    const ct = readJsonFile(ctFile) as { chat_template?: unknown };
    if (typeof ct.chat_template === 'string') templateSrc = ct.chat_template;
  }
  const template = new Template(templateSrc ?? QWEN_VL_CHAT_TEMPLATE);
  const ppFile = path.join(dir, 'preprocessor_config.json');
  const imageOptions: ImageProcessorOptions = {
    patchSize: cfg.vision.patchSize,
    temporalPatchSize: cfg.vision.temporalPatchSize,
    mergeSize: cfg.vision.spatialMergeSize,
    ...(fs.existsSync(ppFile) ? dropUndefined(imageProcessorOptionsFromJson(readJsonFile(ppFile) as Record<string, unknown>)) : {}),
  };
  const endOfTurnTokenId = tokenizer.tokenId('<|im_end|>');
  if (endOfTurnTokenId === undefined) throw new EvolmmError('MODEL_FORMAT', `${dir}/tokenizer.json has no <|im_end|> token; expected a Qwen2(.5)-VL tokenizer`);
  const imagePad = tokenizer.tokenId('<|image_pad|>');
  if (imagePad !== cfg.imageTokenId) {
    throw new EvolmmError('MODEL_FORMAT', `${dir}: config image_token_id is ${cfg.imageTokenId} but the tokenizer maps <|image_pad|> to ${imagePad}; the folder's files do not belong together`);
  }
  const stopTokenIds = [...new Set([endOfTurnTokenId, ...cfg.eosTokenIds])];
  const renderChat = (messages: readonly ChatMessage[], opts: { addGenerationPrompt?: boolean } = {}) =>
    renderChatTemplate(template, messages, { addGenerationPrompt: opts.addGenerationPrompt ?? true });

  return {
    config: cfg,
    tokenizer,
    endOfTurnTokenId,
    stopTokenIds,
    imageOptions,
    renderChat,
    async prepare(messages, opts = {}) {
      const text = renderChat(messages, opts);
      const ids = tokenizer.encode(text);
      const images = messages.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.filter((p) => p.type === 'image').map((p) => p.image)));
      const grids: Array<[number, number, number]> = [];
      const pixels: Float32Array[] = [];
      for (const [k, input] of images.entries()) {
        const img = await loadImageRgb(input);
        try {
          const { pixelValues, gridThw } = processImage(img, imageOptions);
          pixels.push(pixelValues);
          grids.push(gridThw);
        } catch (e) {
          if (EvolmmError.isInstance(e)) throw new EvolmmError(e.code, `image ${k + 1} of the prompt: ${e.message}`, { cause: e, details: e.details });
          throw e;
        }
      }
      const pads = ids.filter((id) => id === cfg.imageTokenId).length;
      if (pads !== images.length) {
        throw new EvolmmError('INVALID_ARGUMENT', `the rendered prompt has ${pads} <|image_pad|> tokens but the messages have ${images.length} images; do not write image tokens into message text`);
      }
      const merge2 = cfg.vision.spatialMergeSize ** 2;
      const expanded: number[] = [];
      let img = 0;
      for (const id of ids) {
        if (id === cfg.imageTokenId) {
          const [t, h, w] = grids[img++];
          for (let k = 0; k < (t * h * w) / merge2; k++) expanded.push(id);
        } else expanded.push(id);
      }
      const inputIds = Int32Array.from(expanded);
      let pixelValues: Float32Array | null = null;
      if (pixels.length > 0) {
        pixelValues = new Float32Array(pixels.reduce((s, p) => s + p.length, 0));
        let off = 0;
        for (const p of pixels) {
          pixelValues.set(p, off);
          off += p.length;
        }
      }
      const { positionIds, ropeDelta } = getRopeIndex(inputIds, grids, cfg);
      return { inputIds, pixelValues, imageGridThw: grids, positionIds, ropeDelta };
    },
  };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// @evolmm/qwen-vl: Qwen2-VL / Qwen2.5-VL, backend-neutral (API.md is the contract with the backends).
export { parseConfig, loadConfig, loadConfigSync } from './config.js';
export type { QwenVariant, QwenTextConfig, QwenVisionConfig, QwenVLConfig } from './config.js';

export type { DType, TensorInfo } from './safetensors-format.js';
export { SafetensorsFile, readSafetensors } from './safetensors-reader.js';
export { writeSafetensors, writeSafetensorsSync, writeSafetensorsStreaming } from './safetensors-writer.js';
export type { TensorToWrite } from './safetensors-writer.js';
export { openWeights } from './weight-store.js';
export type { WeightStore } from './weight-store.js';
export { canonicalWeightName, newStyleWeightName } from './weight-names.js';
export { qwenWeightSpecs } from './weight-specs.js';
export type { WeightSpec } from './weight-specs.js';
export { f32ToBf16, bf16ToF32, f32ToF16, f16ToF32 } from './dtype.js';

export { createQwenTokenizer, loadTokenizer } from './tokenizer.js';
export type { QwenTokenizer } from './tokenizer.js';
export { QWEN_VL_CHAT_TEMPLATE, renderChatTemplate } from './chat-template.js';
export { loadImageRgb } from './image-load.js';
export { smartResize, pyRound } from './smart-resize.js';
export type { SmartResizeOptions } from './smart-resize.js';
export { processImage, imageProcessorOptionsFromJson, CLIP_MEAN, CLIP_STD } from './image-processor.js';
export type { ImageProcessorOptions } from './image-processor.js';
export { resizeBicubicPil } from './pil-bicubic.js';
export { getRopeIndex } from './rope-index.js';
export { loadProcessor } from './processor.js';
export type { PreparedInput, QwenProcessor } from './processor.js';

export { visionRotaryPositions, windowIndex, cuSeqlens, inversePermutation } from './vision-index.js';

export { sampleToken, logSoftmaxAt, argmax } from './sampling.js';
export type { SamplingOptions } from './sampling.js';
export { StopChecker } from './stop-checker.js';

export { createCheckpoint, resolveCheckpointConfig, defaultMropeSection } from './checkpoint-factory.js';
export type { CheckpointOptions } from './checkpoint-factory.js';
export { buildTinyTokenizer, QWEN_SPECIAL_TOKENS } from './tiny-tokenizer.js';

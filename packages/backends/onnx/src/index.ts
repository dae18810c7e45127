// @evolmm/backend-onnx: export Qwen2(.5)-VL to the transformers.js ONNX layout and generate with onnxruntime-node.
export { exportOnnx, exportedConfig } from './export-onnx.js';
export type { ExportOnnxOptions, ExportOnnxResult, OnnxDtype } from './export-onnx.js';
export { mergeLora, readLoraAdapter } from './adapter-merge.js';
export type { LoraAdapter } from './adapter-merge.js';
export type { WeightSource } from './graph/layers.js';
export { loadOnnxModel } from './onnx-model.js';
export type { LoadOnnxModelOptions, OnnxModel, PromptLogits } from './onnx-model.js';
export { createOnnxBackend, onnxModelFactory } from './onnx-backend.js';
export type { OnnxBackend, OnnxBackendOptions } from './onnx-backend.js';
export type { OnnxDevice } from './sessions.js';
export type { KvCacheOptions } from './onnx-runner.js';
export { measureThroughput } from './throughput.js';
export type { ThroughputOptions, ThroughputResult } from './throughput.js';

// Public API of @evolmm/backend-tfjs.
export { createTfjsBackend } from './backend.js';
export type { TfjsBackend, TfjsBackendOptions, TfjsBackendPreference } from './backend.js';
export { loadTfjsModel, TfjsQwenModel } from './model.js';
export type { TfjsModelOptions } from './model.js';
export type { LoraOptions } from './lora.js';
export { BASE_ADAPTER } from './model-core.js';
export { tfjsModelFactory } from './factory.js';
export { benchmarkTfjs } from './benchmark.js';
export type { TfjsBenchmarkOptions, TfjsBenchmarkResult } from './benchmark.js';

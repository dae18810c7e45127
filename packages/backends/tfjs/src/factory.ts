import type { ModelFactory } from '@evolmm/core';
import { loadTfjsModel, type TfjsModelOptions } from './model.js';

/**
 * Registry factory for `tfjs:<folder>` specs: `createModelRegistry({ tfjs: tfjsModelFactory })`. Options are
 * passed through as TfjsModelOptions (backend, lora, seed, learningRate, ...).
 */
export const tfjsModelFactory: ModelFactory = (location, options) => {
  const { signal: _signal, ...rest } = options;
  return loadTfjsModel(location, rest as TfjsModelOptions);
};

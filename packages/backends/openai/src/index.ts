export { createOpenAIModel } from './openai-model.js';
export type { OpenAIModel, OpenAIModelOptions } from './openai-model.js';
export type { RetryInfo } from './http-client.js';
export { openaiModelFactory, API_KEY_ENV } from './model-factory.js';
export { encodePng } from './png-encode.js';
export { imageToUrl } from './image-url.js';

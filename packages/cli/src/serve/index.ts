export { createServeApp } from './serve-app.js';
export type { ServeAddress, ServeApp, ServeOptions } from './serve-app.js';

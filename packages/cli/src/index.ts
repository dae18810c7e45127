export { main } from './main.js';
export type { CliIo } from './io.js';
export type { Command, CommandContext, OptionSpec } from './command.js';
export { COMMANDS } from './commands/index.js';
export { EXIT, exitCodeFor } from './exit-codes.js';
export { createServeApp } from './serve/index.js';
export type { ServeAddress, ServeApp, ServeOptions } from './serve/index.js';
export { runDemo, DEMO_DEFAULTS } from './demo/demo-pipeline.js';
export type { DemoOptions, DemoResult } from './demo/demo-pipeline.js';

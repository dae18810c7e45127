import { defineConfig } from 'tsup';
import type { Options } from 'tsup';

/** The build every package shares: ESM for Node 20 with type declarations and source maps. */
export function nodeLibrary(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    ...overrides,
  });
}

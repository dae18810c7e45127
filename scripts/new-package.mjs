// Writes the boilerplate of a workspace package (package.json, tsconfig, tsup and vitest configs) if missing.
// Usage: node scripts/new-package.mjs <dir> <name> "<description>"
import fs from 'node:fs';
import path from 'node:path';

const [dir, name, description] = process.argv.slice(2);
if (!dir || !name) throw new Error('usage: node scripts/new-package.mjs <dir> <name> "<description>"');
const depth = dir.split('/').filter(Boolean).length;
const up = '../'.repeat(depth);
fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
const write = (file, text) => {
  const p = path.join(dir, file);
  if (!fs.existsSync(p)) fs.writeFileSync(p, text);
};
write('package.json', JSON.stringify({
  name, version: '0.1.0', description, license: 'Apache-2.0', type: 'module',
  repository: { type: 'git', url: 'git+https://github.com/evolmm/evolmm.git', directory: dir },
  engines: { node: '>=20.19' },
  exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' }, './package.json': './package.json' },
  types: './dist/index.d.ts',
  files: ['dist', 'README.md'],
  sideEffects: false,
  publishConfig: { access: 'public' },
  scripts: { build: 'tsup', test: 'vitest run', typecheck: 'tsc --noEmit', publint: 'publint --strict && npm pack --dry-run --silent' },
}, null, 2) + '\n');
write('tsconfig.json', JSON.stringify({ extends: `${up}tsconfig.base.json`, include: ['src'] }, null, 2) + '\n');
write('tsup.config.ts', `import { nodeLibrary } from '${'../'.repeat(depth)}tsup.base.js';\n\nexport default nodeLibrary();\n`);
write('vitest.config.ts', `import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({\n  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 60_000 },\n});\n`);

import { createCheckpoint } from '@evolmm/qwen-vl';
import { benchmarkTfjs } from './dist/index.js';
import fs from 'node:fs';
const preset = process.argv[2] ?? 'tiny';
const dir = `/tmp/evolmm-bench-${preset}`;
if (!fs.existsSync(dir + '/config.json')) {
  const t0 = Date.now();
  await createCheckpoint(dir, { preset, dtype: preset === '0.5b' ? 'BF16' : 'F32' });
  console.log('built', preset, (Date.now() - t0) / 1000, 's');
}
const opts = JSON.parse(process.argv[3] ?? '{}');
const t0 = Date.now();
const r = await benchmarkTfjs(dir, { model: { backend: 'wasm' }, ...opts });
console.log(JSON.stringify(r, null, 1), 'total', (Date.now() - t0) / 1000);
console.log('rss GB', process.memoryUsage().rss / 1e9);

// `node scripts/perf/data-parallel.mjs [promptTokens] [completionTokens] [samples]`: one tfjs LoRA step with
// dataParallel 1 and 2 on a 6-layer model of the 0.5B shape (hidden 896, vocab 151,936, 0.9 GB), small enough for
// the fast weight layout on wasm, so the step is compute-bound. Prints the best of two steps for each. Companion of
// bench:perf's 0.5B rows, where the compact layout is memory-bound (docs/performance.md).
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { CACHE } from './cache.mjs';

const { createCheckpoint } = await import('@evolmm/qwen-vl');
const { loadTfjsModel } = await import('@evolmm/backend-tfjs');
const dir = join(CACHE, 'hf-0.5b-6layers');
if (!existsSync(join(dir, 'config.json'))) await createCheckpoint(dir, { preset: '0.5b', text: { numHiddenLayers: 6 }, dtype: 'F32', seed: 1 });
const P = +(process.argv[2] ?? 64);
const L = +(process.argv[3] ?? 64);
const S = +(process.argv[4] ?? 4);
const pos = Int32Array.from({ length: P }, (_, i) => i);
const prepared = { inputIds: Int32Array.from({ length: P }, (_, i) => (i * 7) % 256), pixelValues: null, imageGridThw: [], positionIds: [pos, pos.slice(), pos.slice()], ropeDelta: 0 };
const samples = Array.from({ length: S }, (_, s) => ({ tokenIds: Array.from({ length: L }, (_, i) => (i * 13 + s) % 256), advantage: 0.5 - s / S }));
const best = {};
for (const dp of [1, 2]) {
  const model = await loadTfjsModel(dir, { logBackend: false, lora: { rank: 16 }, dataParallel: dp, recompute: true });
  let ms = Infinity;
  for (let r = 0; r < 2; r++) {
    const t = performance.now();
    await model.stepPrepared(prepared, { adapter: 'default', samples, beta: 1e-3 });
    ms = Math.min(ms, performance.now() - t);
  }
  best[dp] = ms;
  console.log(`dataParallel ${dp}: ${(ms / 1000).toFixed(1)} s for ${S}×(${P}+${L}) tokens, layout ${model.core.weights.text.lmHead.layout}`);
  await model.dispose();
}
console.log(`speed-up ${(best[1] / best[2]).toFixed(2)}×`);

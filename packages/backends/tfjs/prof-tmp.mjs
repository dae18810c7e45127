import { loadTfjsModel } from './dist/index.js';
const m = await loadTfjsModel('/tmp/evolmm-bench-tiny', { backend: 'wasm', logBackend: false });
const P = 256;
const pos = Int32Array.from({ length: P }, (_, i) => i);
const prepared = { inputIds: pos.map((i) => i % 200), pixelValues: null, imageGridThw: [], positionIds: [pos, pos, pos], ropeDelta: 0 };
const samples = Array.from({ length: 5 }, (_, s) => ({ tokenIds: Array.from({ length: 64 }, (_, j) => (s * 7 + j) % 250), advantage: 0.3 }));
for (let i = 0; i < 4; i++) {
  const t0 = performance.now();
  const st = m.stepPrepared(prepared, { adapter: 'default', samples, beta: 1e-3 });
  console.log('step', performance.now() - t0);
}

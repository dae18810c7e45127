import * as tf from '@tensorflow/tfjs';
import { loadTfjsModel } from './dist/index.js';
const t = () => performance.now();
let t0 = t();
const m = await loadTfjsModel(process.env.CK ?? '/tmp/evolmm-bench-0.5b', { backend: 'wasm', logBackend: false });
console.log('load s', ((t() - t0) / 1000).toFixed(1), 'MB', (tf.memory().numBytes / 1e6).toFixed(0));
const mk = (P) => { const pos = Int32Array.from({ length: P }, (_, i) => i); return { inputIds: pos.map((i) => (i * 7) % 250), pixelValues: null, imageGridThw: [], positionIds: [pos, pos, pos], ropeDelta: 0 }; };
const phase = process.argv[2];
const P = Number(process.argv[3] ?? 128);
const prepared = mk(P);
if (phase === 'prefill' || phase === 'all') {
  for (let r = 0; r < 2; r++) { t0 = t(); await m.generatePrepared(prepared, { n: 1, maxNewTokens: 1, seed: 1 }); console.log('prefill', P, 'ms', (t() - t0).toFixed(0)); }
}
if (phase === 'decode' || phase === 'all') {
  t0 = t(); const out = await m.generatePrepared(prepared, { n: 5, maxNewTokens: 16, seed: 1 }); const ms = t() - t0;
  console.log('gen n5x16 ms', ms.toFixed(0), 'tokens', out.reduce((a, c) => a + c.tokenIds.length, 0));
}
if (phase === 'step' || phase === 'all') {
  const L = Number(process.argv[4] ?? 32); const S = Number(process.argv[5] ?? 5);
  const samples = Array.from({ length: S }, (_, s) => ({ tokenIds: Array.from({ length: L }, (_, j) => (s * 13 + j * 3) % 250), advantage: 0.3 }));
  for (let r = 0; r < 2; r++) { t0 = t(); m.stepPrepared(prepared, { adapter: 'default', samples, beta: 1e-3 }); console.log('step', S, 'x', L, 'ms', (t() - t0).toFixed(0), 'MB', (tf.memory().numBytes / 1e6).toFixed(0)); }
}
console.log('rss GB', (process.memoryUsage().rss / 1e9).toFixed(2));

// Micro-benchmark behind the tfjs 'compact' weight layout finding (docs/performance.md): x·Mᵀ as the package does it
// now (transposeB matMul on the stored [out, in] weight) vs a per-call temporary transpose (XNNPACK packs the
// temporary and frees the packed copy with it) vs the 'fast' layout. `node scripts/perf/compact-matmul.mjs [rows]`
import { createTfjsBackend } from '@evolmm/backend-tfjs';

const { tf, name } = await createTfjsBackend({ backend: 'auto', log: false });
const rowsList = process.argv[2] ? [Number(process.argv[2])] : [1, 5, 64, 256];
const [outD, inD] = [4864, 896]; // Qwen2-0.5B gate/up projection, HF layout [out, in]
const w = tf.randomNormal([outD, inD]);
const wFast = tf.transpose(w);
const time = async (f, reps) => {
  (await f()).dispose();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const y = f();
    await y.data();
    y.dispose();
  }
  return (performance.now() - t0) / reps;
};
const out = { backend: name, shape: [outD, inD], rows: {} };
for (const rows of rowsList) {
  const x = tf.randomNormal([rows, inD]);
  const reps = rows >= 64 ? 3 : 10;
  const compact = await time(() => tf.matMul(x, w, false, true), reps);
  const tempT = await time(() => tf.tidy(() => tf.matMul(x, tf.transpose(w))), reps);
  const fast = await time(() => tf.matMul(x, wFast), reps);
  const gf = (ms) => (2 * rows * outD * inD) / (ms / 1000) / 1e9;
  out.rows[rows] = { compactMs: compact, tempTransposeMs: tempT, fastMs: fast, compactGflops: gf(compact), tempTransposeGflops: gf(tempT), fastGflops: gf(fast) };
  x.dispose();
}
console.log(JSON.stringify(out, null, 1));

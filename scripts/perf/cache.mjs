// Builds (once) and returns the checkpoints and ONNX exports bench-perf measures, under .evolmm-cache/perf/
// (gitignored). Each artefact is written to a temp folder and renamed, so an interrupted build is redone next time.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = join(ROOT, '.evolmm-cache', 'perf');

/**
 * Hash of a workspace package's built files: an artefact records the hash of the code that built it and is rebuilt
 * when that code changes (a stale ONNX export would otherwise measure the old graph).
 */
function buildKey(pkgDir) {
  const dist = join(ROOT, pkgDir, 'dist');
  const h = createHash('sha256');
  for (const f of readdirSync(dist).filter((n) => n.endsWith('.js')).sort()) h.update(f).update(readFileSync(join(dist, f)));
  return h.digest('hex').slice(0, 16);
}

async function once(dir, build, key) {
  const marker = join(dir, '.complete');
  if (existsSync(marker) && readFileSync(marker, 'utf8').split('\n')[1] === key) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  await build(tmp);
  writeFileSync(join(tmp, '.complete'), `${new Date().toISOString()}\n${key}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

/** HF folder of the preset ('tiny' | '0.5b'), Qwen2.5-VL variant, fp32 random weights. */
export async function checkpoint(preset) {
  const { createCheckpoint } = await import('@evolmm/qwen-vl');
  return once(join(CACHE, `hf-${preset}`), (tmp) => createCheckpoint(tmp, { preset, dtype: 'F32', seed: 1 }), buildKey('packages/backends/qwen-vl'));
}

/** ONNX export of the preset in `dtype` ('fp32' | 'fp16' | 'int8'). */
export async function onnxExport(preset, dtype) {
  const hf = await checkpoint(preset);
  const { exportOnnx } = await import('@evolmm/backend-onnx');
  const key = `${buildKey('packages/backends/onnx')}-${buildKey('packages/backends/qwen-vl')}`;
  return once(join(CACHE, `onnx-${preset}-${dtype}`), (tmp) => exportOnnx(hf, tmp, { dtype, log: () => {} }), key);
}

// `node scripts/perf/cache.mjs` builds everything up front.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const presets = process.argv.includes('--quick') ? ['tiny'] : ['tiny', '0.5b'];
  for (const p of presets) {
    let t = performance.now();
    await checkpoint(p);
    console.log(`checkpoint ${p}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    for (const d of ['fp32', 'int8', 'fp16']) {
      t = performance.now();
      await onnxExport(p, d);
      console.log(`onnx ${p} ${d}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
  }
}

#!/usr/bin/env node
// `npm run bench:perf` (issues 4, 5, 7, 10): prefill / decode / train-step throughput of the tfjs and ONNX backends
// on the tiny and 0.5B-shaped checkpoints, next to peaks measured in the same run (fp32 matmul GFLOP/s, memory read
// GB/s), the PyTorch reference when python3 has torch, and MATH-V scoring time. A benchmark, not a test: it never
// fails the suite (exit code 0 unless the arguments are wrong) and is not part of `npm test`.
//
//   node scripts/bench-perf.mjs [--quick] [--full] [--only tfjs,onnx,score,torch] [--json FILE]
//   node scripts/bench-perf.mjs --format FILE      (re-print the table of a saved run)
//
// Every measurement runs in its own child process so its peak RSS is its own; each row records the 1-minute load
// average around it, because ratios within one run are what survive a busy machine.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { CACHE, checkpoint, onnxExport } from './perf/cache.mjs';
import { torchRef as torchRefChild, worker as workerChild } from './perf/run-child.mjs';
import { formatTable } from './perf/table.mjs';

const SECTIONS = ['tfjs', 'onnx', 'score', 'torch'];
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? (argv[onlyIdx + 1] ?? '').split(',').filter(Boolean) : SECTIONS;
const jsonIdx = argv.indexOf('--json');
const jsonOut = jsonIdx >= 0 ? argv[jsonIdx + 1] : join(CACHE, quick ? 'last-run-quick.json' : 'last-run.json');
if (only.some((s) => !SECTIONS.includes(s)) || only.length === 0) {
  console.error(`--only takes a comma list of ${SECTIONS.join(', ')}; found '${argv[onlyIdx + 1] ?? ''}'`);
  process.exit(2);
}
const presets = quick ? ['tiny'] : ['tiny', '0.5b'];
const formatIdx = argv.indexOf('--format');
if (formatIdx >= 0) {
  // re-print the table of a saved run (its raw JSON) without measuring
  const saved = JSON.parse(readFileSync(argv[formatIdx + 1], 'utf8'));
  console.log(formatTable(saved, { presets: Object.keys(saved.onnx).length ? Object.keys(saved.onnx) : Object.keys(saved.tfjs) }));
  process.exit(0);
}
const full = argv.includes('--full');
/**
 * tfjs on the 0.5B shape runs the wasm backend's 'compact' weight layout (the fast one needs 2× the weights in the
 * 4 GB wasm heap), about 1 tok/s on 2 busy cores, so by default it is measured on shorter shapes (per-token rates
 * are what the table compares) and its vision row is skipped; `--full` runs the issue's shapes (over an hour).
 */
const tfjsShape = (preset, what) =>
  preset === '0.5b' && !full
    ? { prefill: { promptTokens: 64 }, decode: { promptTokens: 16, newTokens: 6 }, train: { samples: 2, promptTokens: 64, completionTokens: 16, recompute: true } }[what]
    : {};
const want = (s) => only.includes(s);
const log = (line) => process.stderr.write(`[bench:perf] ${line}\n`);

/** python3 with torch, or undefined. The Debian package installs into /usr/bin/python3's dist-packages. */
function findTorchPython() {
  for (const py of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
      return py;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** PyTorch 1.13 eager, 2 threads, this machine (issue 10), used when torch cannot be run here. */
const ISSUE10_TORCH = {
  prefill: { tokensPerSec: 192 },
  decode: { tokensPerSec: 13.3, stepsPerSec: 13.3 / 5 },
  score: { tokensPerSec: 58.7 },
  train: { sec: 32.6, peakRss: 13.3e9 },
};

const run = { date: new Date().toISOString(), machine: {}, peaks: {}, tfjs: {}, onnx: {}, onnxKv: {}, onnxError: {}, vision: {}, score: null, torch: {}, torchSource: null };
run.machine = { cpus: cpus().length, model: cpus()[0]?.model, memGB: totalmem() / 1e9, node: process.version, loadAtStart: loadavg() };

/** Saves the raw results so far: an interrupted run keeps what it measured (`--format FILE` prints them). */
function save() {
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileSync(jsonOut, JSON.stringify(run, null, 2));
}
const worker = async (...a) => {
  const r = await workerChild(...a);
  setImmediate(save); // after the caller has stored the result
  return r;
};
const torchRef = async (...a) => {
  const r = await torchRefChild(...a);
  setImmediate(save); // after the caller has stored the result
  return r;
};

async function main() {
  for (const p of presets) {
    if (want('tfjs') || want('torch') || want('onnx')) await checkpoint(p);
    if (want('onnx')) for (const d of ['fp32', 'int8', 'fp16']) await onnxExport(p, d);
  }
  if (want('tfjs') || want('onnx') || want('torch')) {
    log('peaks: onnxruntime MatMul + bandwidth');
    run.peaks.ort = await worker('peak-ort', { threads: 2 });
    log('peaks: tfjs matMul');
    run.peaks.tfjs = await worker('peak-tfjs');
  }
  for (const preset of presets) {
    if (want('tfjs')) {
      run.tfjs[preset] = {};
      for (const what of ['prefill', 'decode', 'train']) {
        log(`tfjs ${preset} ${what}`);
        run.tfjs[preset][what] = await worker('tfjs', { preset, what, ...tfjsShape(preset, what) }, { timeoutS: full ? 7200 : 1200 });
      }
      // the same step split over this thread and one worker thread (wasm runs one thread per isolate)
      log(`tfjs ${preset} train, dataParallel 2`);
      run.tfjs[preset].trainDp2 = await worker('tfjs', { preset, what: 'train', ...tfjsShape(preset, 'train'), dataParallel: 2 }, { timeoutS: full ? 7200 : 1200 });
      if (preset !== '0.5b' || full) {
        log(`tfjs ${preset} vision`);
        run.vision[`tfjs-${preset}`] = await worker('vision', { preset, backend: 'tfjs' }, { timeoutS: full ? 3600 : 900 });
      }
    }
    if (want('onnx')) {
      run.onnx[preset] = {};
      for (const dtype of ['fp32', 'int8']) {
        log(`onnx ${preset} ${dtype}`);
        run.onnx[preset][dtype] = await worker('onnx', { preset, dtype }, { timeoutS: 900 });
      }
      log(`onnx ${preset} fp32 decode vs KV length (cache in place vs returned)`);
      run.onnxKv[preset] = await worker('onnx-kv', { preset, prompts: preset === 'tiny' ? [16, 256] : [16, 256, 1024] }, { timeoutS: 900 });
      run.onnxError[preset] = {};
      for (const dtype of ['int8', 'fp16']) {
        log(`onnx ${preset} ${dtype} logit error`);
        run.onnxError[preset][dtype] = await worker('onnx-error', { preset, dtype }, { timeoutS: 600 });
      }
      log(`onnx ${preset} vision`);
      run.vision[`onnx-${preset}`] = await worker('vision', { preset, backend: 'onnx' }, { timeoutS: 900 });
    }
  }
  if (want('torch')) {
    const py = findTorchPython();
    const preset = quick ? 'tiny' : '0.5b';
    if (py) {
      run.torchSource = `measured (${py}, ${preset})`;
      for (const what of ['prefill', 'decode', 'score', 'train']) {
        log(`torch ${preset} ${what}`);
        run.torch[what] = await torchRef(what, preset, py, { timeoutS: 1200 });
      }
    } else {
      run.torchSource = 'issue 10 (PyTorch not installed here; documented baseline, not measured in this run)';
      for (const [k, v] of Object.entries(ISSUE10_TORCH)) run.torch[k] = { ok: true, result: v, peakRss: v.peakRss, documented: true };
    }
  }
  if (want('score')) {
    log('MATH-V scoring');
    run.score = await worker('score');
  }
  save();
  console.log(formatTable(run, { presets, quick }));
  log(`raw results: ${jsonOut}`);
}

main().catch((err) => {
  // A benchmark never fails the suite: report and exit 0.
  console.error(`[bench:perf] failed: ${err?.stack ?? err}`);
  process.exit(0);
});

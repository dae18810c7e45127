// One measurement per process (so each peak RSS is its own): `node scripts/perf/worker.mjs <task> '<json args>'`.
// Prints one JSON line `{"result": ...}` last on stdout. Used by scripts/bench-perf.mjs.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkpoint, onnxExport, ROOT } from './cache.mjs';
import { forwardFlops, textParams } from './flops.mjs';

const [task, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};

/** Peak resident set (VmHWM) of this process, bytes. */
function peakRss() {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

/** Random plain-text prompt ids (below the special tokens) with M-RoPE rows 0..P-1 on all three axes. */
function syntheticPrompt(P, vocab, seed) {
  let s = seed >>> 0;
  const ids = new Int32Array(P);
  for (let i = 0; i < P; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    ids[i] = s % Math.min(vocab, 256);
  }
  const pos = Int32Array.from({ length: P }, (_, i) => i);
  return { inputIds: ids, pixelValues: null, imageGridThw: [], positionIds: [pos, pos.slice(), pos.slice()], ropeDelta: 0 };
}

function rawImage(width, height) {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return { width, height, channels: 3, data };
}

const ms = (t0) => performance.now() - t0;

const tasks = {
  async 'peak-ort'() {
    const p = await import('./peaks.mjs');
    return { ...(await p.ortMatmulPeaks(args.threads ?? 2)), ...(await p.ortBandwidth(args.threads ?? 2)), jsGBs: p.jsBandwidth().GBs };
  },
  async 'peak-tfjs'() {
    const p = await import('./peaks.mjs');
    return await p.tfjsMatmulPeak();
  },

  /** tfjs prefill / decode / LoRA step on one preset; `what` picks the measurement. */
  async tfjs() {
    const { loadTfjsModel } = await import('@evolmm/backend-tfjs');
    const dir = await checkpoint(args.preset);
    let t0 = performance.now();
    const model = await loadTfjsModel(dir, {
      logBackend: false,
      lora: args.what === 'train' ? { rank: 16 } : false,
      recompute: args.recompute ?? false,
      dataParallel: args.dataParallel ?? 1,
    });
    const loadMs = ms(t0);
    const text = model.config.text;
    const V = text.vocabSize;
    const out = { loadMs };
    await model.forwardLogits(syntheticPrompt(8, V, 2)); // warm-up: kernels, weight packing
    if (args.what === 'prefill') {
      const P = args.promptTokens ?? 256;
      const prepared = syntheticPrompt(P, V, 1);
      t0 = performance.now();
      await model.generatePrepared(prepared, { n: 1, maxNewTokens: 1, seed: 1 });
      out.prefillMs = ms(t0);
      out.tokensPerSec = (P / out.prefillMs) * 1000;
      out.flops = forwardFlops(text, { tokens: P });
      out.promptTokens = P;
    } else if (args.what === 'decode') {
      const P = args.promptTokens ?? 256, n = args.n ?? 5, newTokens = args.newTokens ?? 64;
      const prepared = syntheticPrompt(P, V, 1);
      t0 = performance.now();
      await model.generatePrepared(prepared, { n: 1, maxNewTokens: 1, seed: 1 });
      const prefillMs = ms(t0);
      t0 = performance.now();
      const res = await model.generatePrepared(prepared, { n, maxNewTokens: newTokens, seed: 7, temperature: 1 });
      const totalMs = ms(t0);
      const generated = res.reduce((a, c) => a + c.tokenIds.length, 0);
      // the first token of each sample comes from the prefill logits
      out.decodeMs = Math.max(1e-3, totalMs - prefillMs);
      out.generated = generated;
      out.tokensPerSec = ((generated - n) / out.decodeMs) * 1000;
      out.stepsPerSec = ((generated - n) / n / out.decodeMs) * 1000;
      const { linear, lmHead } = textParams(text);
      out.weightBytes = 4 * (linear + lmHead);
      Object.assign(out, { promptTokens: P, n, newTokens });
    } else if (args.what === 'train') {
      // 5 samples × (192 shared prompt + 64 completion) = 5×256 tokens, β > 0 so the reference pass runs too.
      const P = args.promptTokens ?? 192, L = args.completionTokens ?? 64, S = args.samples ?? 5;
      const prepared = syntheticPrompt(P, V, 1);
      let s = 3;
      const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296);
      const samples = Array.from({ length: S }, () => ({ tokenIds: Array.from({ length: L }, () => Math.floor(rnd() * Math.min(V, 256))), advantage: rnd() - 0.5 }));
      const adapter = model.adapters[0];
      // best of two steps: the first also pays one-time costs (kernel set-up, and with dataParallel the worker
      // replica's first forward)
      let stats;
      out.stepMs = Infinity;
      for (let r = 0; r < (args.repeats ?? 2); r++) {
        t0 = performance.now();
        stats = await model.stepPrepared(prepared, { adapter, samples, beta: 1e-3 });
        out.stepMs = Math.min(out.stepMs, ms(t0));
      }
      out.tokens = S * (P + L);
      Object.assign(out, { promptTokens: P, completionTokens: L, samples: S, dataParallel: args.dataParallel ?? 1, recompute: args.recompute ?? false });
      out.loss = stats?.loss;
      // forward (policy) + backward (≈ 1 forward for the input gradients; LoRA weight grads are tiny) + reference forward
      out.flops = 3 * forwardFlops(text, { tokens: P + L, batch: S, logitRows: L });
    }
    await model.dispose();
    return out;
  },

  /** ONNX prefill + decode on one preset/dtype, with the bytes one decode step reads. */
  async onnx() {
    const { loadOnnxModel, measureThroughput } = await import('@evolmm/backend-onnx');
    const dir = await onnxExport(args.preset, args.dtype);
    // peaks in this process right before the measurement: on a shared machine the load moves within minutes
    const peaks = await import('./peaks.mjs');
    const peak = { ...(await peaks.ortMatmulPeaks(args.threads ?? 2)), ...(await peaks.ortBandwidth(args.threads ?? 2)) };
    let t0 = performance.now();
    const model = await loadOnnxModel(dir, { device: 'cpu', dtype: args.dtype, threads: args.threads ?? 2, log: () => {} });
    const loadMs = ms(t0);
    const r = await measureThroughput(model, { promptTokens: 256, samples: 5, newTokens: args.newTokens ?? 64, repeats: 2 });
    const onnxDir = join(dir, 'onnx');
    const decoderBytes = readdirSync(onnxDir).filter((f) => f.startsWith('decoder_model_merged')).reduce((a, f) => a + statSync(join(onnxDir, f)).size, 0);
    const text = model.config.text;
    await model.dispose();
    return { loadMs, ...r, decoderBytes, prefillFlops: forwardFlops(text, { tokens: 256 }), peak };
  },

  /**
   * fp32 5-sample decode steps/s after prompts of growing length, with the KV cache kept in place (default) and with
   * the whole `present` cache fed back each step (transformers.js's way): the baseline measured in the same process.
   */
  async 'onnx-kv'() {
    const { loadOnnxModel, measureThroughput } = await import('@evolmm/backend-onnx');
    const dir = await onnxExport(args.preset, 'fp32');
    const out = [];
    for (const kvInPlace of [false, true]) {
      const model = await loadOnnxModel(dir, { device: 'cpu', dtype: 'fp32', threads: args.threads ?? 2, log: () => {}, kvCache: { kvInPlace } });
      for (const promptTokens of args.prompts ?? [16, 256, 1024]) {
        const r = await measureThroughput(model, { promptTokens, samples: 5, newTokens: args.newTokens ?? 32, repeats: 2 });
        out.push({ kvInPlace, promptTokens, newTokens: r.newTokens, stepsPerSec: r.decodeStepsPerSec });
      }
      await model.dispose();
    }
    return out;
  },

  /** Logit error of a reduced-precision export against the fp32 export on the same 64-token prompt. */
  async 'onnx-error'() {
    const { loadOnnxModel } = await import('@evolmm/backend-onnx');
    const ref = await loadOnnxModel(await onnxExport(args.preset, 'fp32'), { device: 'cpu', dtype: 'fp32', threads: 2, log: () => {} });
    const prepared = syntheticPrompt(64, ref.config.text.vocabSize, 11);
    const a = (await ref.forwardLogits(prepared)).logits;
    await ref.dispose();
    const low = await loadOnnxModel(await onnxExport(args.preset, args.dtype), { device: 'cpu', dtype: args.dtype, threads: 2, log: () => {} });
    const { logits: b, vocabSize: V } = await low.forwardLogits(prepared);
    await low.dispose();
    let maxAbs = 0, maxRef = 0, sq = 0, sqRef = 0, agree = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      maxAbs = Math.max(maxAbs, d);
      maxRef = Math.max(maxRef, Math.abs(a[i]));
      sq += d * d;
      sqRef += a[i] * a[i];
    }
    const rows = a.length / V;
    for (let r = 0; r < rows; r++) {
      let ia = 0, ib = 0;
      for (let v = 1; v < V; v++) {
        if (a[r * V + v] > a[r * V + ia]) ia = v;
        if (b[r * V + v] > b[r * V + ib]) ib = v;
      }
      if (ia === ib) agree++;
    }
    return { maxAbs, maxAbsRef: maxRef, relRms: Math.sqrt(sq / sqRef), argmaxAgreement: agree / rows, positions: rows };
  },

  /** Vision tower tokens/s (merged output tokens) for the image sizes in args.sizes. */
  async vision() {
    const sizes = args.sizes ?? [[448, 448], [1024, 768]];
    const results = [];
    if (args.backend === 'onnx') {
      const { loadOnnxModel } = await import('@evolmm/backend-onnx');
      const model = await loadOnnxModel(await onnxExport(args.preset, 'fp32'), { device: 'cpu', dtype: 'fp32', threads: 2, log: () => {} });
      for (const [w, h] of sizes) {
        const prepared = await model.processor.prepare([{ role: 'user', content: [{ type: 'image', image: rawImage(w, h) }, { type: 'text', text: 'x' }] }]);
        const [t, gh, gw] = prepared.imageGridThw[0];
        const tokens = (t * gh * gw) / 4;
        await model.runner.promptEmbeds(prepared); // warm-up
        const t0 = performance.now();
        await model.runner.promptEmbeds(prepared);
        const sec = ms(t0) / 1000;
        results.push({ width: w, height: h, grid: [t, gh, gw], tokens, sec, tokensPerSec: tokens / sec });
      }
      await model.dispose();
    } else {
      // tfjs exposes no vision-only hook: time a forward with the image minus one with a text prompt of equal length.
      const { loadTfjsModel } = await import('@evolmm/backend-tfjs');
      const model = await loadTfjsModel(await checkpoint(args.preset), { logBackend: false, lora: false });
      await model.forwardLogits(syntheticPrompt(8, model.config.text.vocabSize, 2));
      for (const [w, h] of sizes) {
        const prepared = await model.prepare([{ role: 'user', content: [{ type: 'image', image: rawImage(w, h) }, { type: 'text', text: 'x' }] }]);
        const [t, gh, gw] = prepared.imageGridThw[0];
        const tokens = (t * gh * gw) / 4;
        let t0 = performance.now();
        await model.forwardLogits(prepared);
        const withImage = ms(t0);
        const textOnly = syntheticPrompt(prepared.inputIds.length, model.config.text.vocabSize, 5);
        t0 = performance.now();
        await model.forwardLogits(textOnly);
        const without = ms(t0);
        const sec = Math.max(1e-6, (withImage - without) / 1000);
        results.push({ width: w, height: h, grid: [t, gh, gw], tokens, sec, tokensPerSec: tokens / sec, derived: 'forward(image) - forward(text of equal length)' });
      }
      await model.dispose();
    }
    return results;
  },

  /** MATH-V: rescoring every published output file against all 3,040 test problems. Cold = first file, fresh process. */
  async score() {
    let t0 = performance.now();
    const bench = await import('@evolmm/bench');
    const importMs = ms(t0);
    const base = join(ROOT, '..', 'shared', 'benchdata', 'mathvision');
    const problems = bench.readMathVisionProblems(join(base, 'data', 'test.jsonl'));
    const files = [];
    const walk = (d) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (f.endsWith('.jsonl')) files.push(p);
      }
    };
    walk(join(base, 'outputs'));
    const parse = (f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
    const full = files.map((f) => ({ f, recs: parse(f) })).filter((x) => x.recs.length === problems.length);
    t0 = performance.now();
    bench.prepareMathVisionScorer();
    const prepareMs = ms(t0);
    t0 = performance.now();
    bench.rescoreMathVisionOutputs(full[0].recs, problems);
    const coldMs = ms(t0);
    const warm = [];
    for (const { recs } of full) {
      t0 = performance.now();
      bench.rescoreMathVisionOutputs(recs, problems);
      warm.push(ms(t0));
    }
    warm.sort((x, y) => x - y);
    return { items: problems.length, files: full.length, importMs, prepareMs, coldMs, warmMedianMs: warm[warm.length >> 1], warmMaxMs: warm[warm.length - 1] };
  },
};

const fn = tasks[task];
if (!fn) {
  console.error(`unknown task ${task}; one of ${Object.keys(tasks).join(', ')}`);
  process.exit(2);
}
const result = await fn();
console.log(JSON.stringify({ result, peakRss: peakRss() }));
process.exit(0);

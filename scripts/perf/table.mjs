// Formats a bench-perf run as the markdown table of issue 10: each figure with its fraction of a peak measured in
// the same run, the ratios between backends, peak RSS and the load average around the measurement.
import { forwardFlops } from './flops.mjs';

const f = (x, d = 1) => (x === undefined || x === null || !Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(d));
const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(x < 0.1 ? 1 : 0)} %` : '—');
const gb = (b) => (Number.isFinite(b) ? `${(b / 1e9).toFixed(2)} GB` : '—');
const ld = (r) => (r?.load ? `${r.load[0].toFixed(1)}→${r.load[1].toFixed(1)}` : '');
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—');

export function formatTable(run, { presets }) {
  const rows = [];
  const row = (section, figure, value, vsPeak = '', rat = '', r = undefined) => rows.push([section, figure, value, vsPeak, rat, r?.peakRss ? gb(r.peakRss) : '', ld(r)]);
  const fail = (section, figure, r) => rows.push([section, figure, `failed: ${r?.error ?? 'not run'}`, '', '', '', ld(r)]);
  const ort = run.peaks.ort?.ok ? run.peaks.ort.result : undefined;
  const tp = run.peaks.tfjs?.ok ? run.peaks.tfjs.result : undefined;
  const bw = ort ? Math.max(ort.gemvGBs, ort.reduceSumGBs) * 1e9 : NaN;
  const ortPeak = ort ? ort.matmulGflops : NaN;
  const tfPeak = tp ? tp.gflops : NaN;
  if (ort) {
    const probes = ort.matmulGflopsPrepacked ? ` (1024³ both operands fed: ${f(ort.matmulGflopsSquare)}; 256×896·896×4864 prepacked weight: ${f(ort.matmulGflopsPrepacked)})` : ' (1024³)';
    row('peak', `fp32 matmul, onnxruntime MatMul, 2 threads${probes}`, `${f(ortPeak)} GFLOP/s`, '100 % (matmul peak)', '', run.peaks.ort);
    row('peak', 'memory read, ORT 5-row GEMV over 256 MiB', `${f(ort.gemvGBs)} GB/s`, pct((ort.gemvGBs * 1e9) / bw), '', undefined);
    row('peak', 'memory read, ORT ReduceSum over 256 MiB', `${f(ort.reduceSumGBs)} GB/s`, pct((ort.reduceSumGBs * 1e9) / bw), '', undefined);
    row('peak', 'memory read, JS scalar sum (1 thread, floor)', `${f(ort.jsGBs)} GB/s`, pct((ort.jsGBs * 1e9) / bw), '', undefined);
  } else if (run.peaks.ort) fail('peak', 'onnxruntime peaks', run.peaks.ort);
  if (tp) row('peak', `fp32 matmul, tfjs ${tp.backend} matMul 1024³`, `${f(tfPeak)} GFLOP/s`, `${pct(tfPeak / ortPeak)} of ORT peak`, '', run.peaks.tfjs);
  else if (run.peaks.tfjs) fail('peak', 'tfjs matmul peak', run.peaks.tfjs);

  for (const p of presets) {
    const t = run.tfjs[p];
    const tPre = t?.prefill?.ok ? t.prefill.result : undefined;
    const tDec = t?.decode?.ok ? t.decode.result : undefined;
    const tTr = t?.train?.ok ? t.train.result : undefined;
    if (t) {
      if (tPre) {
        const g = tPre.flops / (tPre.prefillMs / 1000) / 1e9;
        row(`tfjs ${p}`, `prefill 1×${tPre.promptTokens}`, `${f(tPre.tokensPerSec)} tok/s`, `${f(g)} GFLOP/s = ${pct(g / tfPeak)} of tfjs peak, ${pct(g / ortPeak)} of ORT`, '', t.prefill);
      } else fail(`tfjs ${p}`, 'prefill 1×256', t.prefill);
      if (tDec) {
        const roof = bw / tDec.weightBytes;
        row(`tfjs ${p}`, `decode ${tDec.n} samples after ${tDec.promptTokens} (${tDec.generated - tDec.n} new tokens)`, `${f(tDec.tokensPerSec)} tok/s (${f(tDec.stepsPerSec)} steps/s)`, `${pct(tDec.stepsPerSec / roof)} of roofline ${f(roof)} steps/s`, '', t.decode);
      } else fail(`tfjs ${p}`, 'decode 5 samples', t.decode);
      if (tTr) {
        const g = tTr.flops / (tTr.stepMs / 1000) / 1e9;
        const shape = `${tTr.samples}×(${tTr.promptTokens}+${tTr.completionTokens})`;
        row(`tfjs ${p}`, `LoRA r16 step, ${shape} tokens (β>0)`, `${f(tTr.stepMs / 1000, 2)} s (${f(tTr.stepMs / tTr.tokens, 0)} ms/token)`, `${f(g)} GFLOP/s = ${pct(g / tfPeak)} of tfjs peak`, '', t.train);
      } else fail(`tfjs ${p}`, 'LoRA step', t.train);
      const dp = t.trainDp2?.ok ? t.trainDp2.result : undefined;
      if (dp) {
        const shape = `${dp.samples}×(${dp.promptTokens}+${dp.completionTokens})`;
        row(`tfjs ${p}`, `same step, dataParallel 2 (2 threads), ${shape}`, `${f(dp.stepMs / 1000, 2)} s (${f(dp.stepMs / dp.tokens, 0)} ms/token)`, '', `speed-up ${ratio(tTr?.stepMs, dp.stepMs)} over 1 thread`, t.trainDp2);
      } else if (t.trainDp2) fail(`tfjs ${p}`, 'LoRA step, dataParallel 2', t.trainDp2);
    }
    const o = run.onnx[p];
    if (o) {
      for (const d of ['fp32', 'int8']) {
        const r = o[d]?.ok ? o[d].result : undefined;
        if (!r) {
          fail(`onnx ${p} ${d}`, 'prefill + decode', o[d]);
          continue;
        }
        // prefer the peaks measured in the same process right before (load moves on a shared machine)
        const oPeak = r.peak?.matmulGflops ?? ortPeak;
        const oBw = r.peak ? Math.max(r.peak.gemvGBs, r.peak.reduceSumGBs) * 1e9 : bw;
        const g = r.prefillFlops / (r.prefillMs / 1000) / 1e9;
        const ref = d === 'fp32' ? tPre?.tokensPerSec : o.fp32?.result?.prefillTokensPerSec;
        const refName = d === 'fp32' ? 'tfjs' : 'ORT fp32';
        row(`onnx ${p} ${d}`, 'prefill 1×256', `${f(r.prefillTokensPerSec)} tok/s`, `${f(g)} GFLOP/s = ${pct(g / oPeak)} of ORT peak${r.peak ? ` (${f(oPeak)}, adjacent)` : ''}`, `${ratio(r.prefillTokensPerSec, ref)} ${refName}`, o[d]);
        const roof = oBw / r.decoderBytes;
        const dref = d === 'fp32' ? tDec?.tokensPerSec : o.fp32?.result?.decodeTokensPerSec;
        row(`onnx ${p} ${d}`, `decode 5×${r.newTokens}`, `${f(r.decodeTokensPerSec)} tok/s (${f(r.decodeStepsPerSec)} steps/s)`, `${pct(r.decodeStepsPerSec / roof)} of roofline ${f(roof)} steps/s (${gb(r.decoderBytes)}/step at ${f(oBw / 1e9)} GB/s)`, `${ratio(r.decodeTokensPerSec, dref)} ${refName}`, undefined);
      }
      const kv = run.onnxKv?.[p];
      if (kv?.ok) {
        const fp32 = o.fp32?.result;
        const roof = fp32?.peak ? (Math.max(fp32.peak.gemvGBs, fp32.peak.reduceSumGBs) * 1e9) / fp32.decoderBytes : bw / (fp32?.decoderBytes ?? NaN);
        for (const r of kv.result.filter((x) => x.kvInPlace)) {
          const base = kv.result.find((x) => !x.kvInPlace && x.promptTokens === r.promptTokens);
          row(`onnx ${p} fp32`, `decode 5×${r.newTokens} after ${r.promptTokens} prompt tokens, KV cache in place`, `${f(r.stepsPerSec)} steps/s`, `${pct(r.stepsPerSec / roof)} of roofline`, `${ratio(r.stepsPerSec, base?.stepsPerSec)} the returned-cache path (${f(base?.stepsPerSec)} steps/s)`, r === kv.result.find((x) => x.kvInPlace) ? kv : undefined);
        }
      } else if (kv) fail(`onnx ${p} fp32`, 'decode vs KV length', kv);
      for (const d of ['int8', 'fp16']) {
        const e = run.onnxError[p]?.[d];
        if (e?.ok) {
          const r = e.result;
          row(`onnx ${p} ${d}`, `logit error vs fp32 (${r.positions} positions)`, `rel. RMS ${r.relRms.toExponential(1)}, max |Δ| ${f(r.maxAbs, 3)}`, `argmax agreement ${pct(r.argmaxAgreement)}`, '', e);
        } else if (e) fail(`onnx ${p} ${d}`, 'logit error', e);
      }
    }
    for (const b of ['tfjs', 'onnx']) {
      const v = run.vision[`${b}-${p}`];
      if (!v) continue;
      if (!v.ok) {
        fail(`vision ${b} ${p}`, 'encode', v);
        continue;
      }
      for (const r of v.result) row(`vision ${b} ${p}`, `${r.width}×${r.height} → ${r.tokens} tokens${r.derived ? ' (by subtraction)' : ''}`, `${f(r.tokensPerSec)} tok/s`, `${f(r.sec, 2)} s`, '', v);
    }
  }

  const big = presets.includes('0.5b') ? '0.5b' : presets[0];
  const tc = run.torch;
  if (Object.keys(tc).length) {
    const src = run.torchSource ?? '';
    const get = (w) => (tc[w]?.ok ? tc[w].result : undefined);
    const pre = get('prefill'), dec = get('decode'), sco = get('score'), tr = get('train');
    const o = run.onnx[big]?.fp32?.result, oi = run.onnx[big]?.int8?.result;
    const tTr = run.tfjs[big]?.train?.ok ? run.tfjs[big].train : undefined;
    const text = { hiddenSize: 896, intermediateSize: 4864, numHiddenLayers: 24, numAttentionHeads: 14, numKeyValueHeads: 2, headDim: 64, vocabSize: 151936 };
    const pyFlops = big === '0.5b' ? forwardFlops(text, { tokens: 256 }) : NaN;
    const weightBytes = big === '0.5b' ? 4 * (24 * (896 * 896 * 2 + 2 * 896 * 128 + 3 * 896 * 4864) + 896 * 151936) : NaN;
    const sect = `torch ${big}`;
    if (pre) row(sect, 'prefill 1×256', `${f(pre.tokensPerSec)} tok/s`, Number.isFinite(pyFlops) && pre.sec ? `${f(pyFlops / pre.sec / 1e9)} GFLOP/s = ${pct(pyFlops / pre.sec / 1e9 / ortPeak)} of ORT peak` : src, o ? `ONNX fp32 ${ratio(o.prefillTokensPerSec, pre.tokensPerSec)}` : '', tc.prefill);
    if (dec) row(sect, 'decode 5×64 (KV cache)', `${f(dec.tokensPerSec)} tok/s`, Number.isFinite(weightBytes) ? `${pct(dec.stepsPerSec / (bw / weightBytes))} of roofline` : '', o ? `ONNX fp32 ${ratio(o.decodeTokensPerSec, dec.tokensPerSec)}${oi ? `, int8 ${ratio(oi.decodeTokensPerSec, dec.tokensPerSec)}` : ''}` : '', tc.decode);
    if (sco) row(sect, 'full-logit scoring 5×256', `${f(sco.tokensPerSec)} tok/s`, '', '', tc.score);
    if (tr) {
      // per-token, so a tfjs step measured on a shorter shape still compares (same model, same work per token)
      const speed = tTr ? tr.sec / (tr.tokens ?? 1280) / (tTr.result.stepMs / 1000 / tTr.result.tokens) : NaN;
      const mem = tTr && tr.peakRss ? tTr.peakRss / tr.peakRss : NaN;
      row(sect, 'LoRA r16 step 5×256', `${f(tr.sec, 2)} s (${f((1000 * tr.sec) / (tr.tokens ?? 1280), 0)} ms/token)`, '', tTr ? `tfjs speed/token ${f(speed, 3)}× torch, tfjs RSS ${pct(mem)} of torch` : '', tc.train);
    }
    rows.push(['', `PyTorch source: ${src}`, '', '', '', '', '']);
  }
  if (run.score) {
    if (run.score.ok) {
      const s = run.score.result;
      row('score', `MATH-V rescoring, ${s.items} items, cold (first file after import ${f(s.importMs, 0)} ms + prepare ${f(s.prepareMs, 0)} ms)`, `${f(s.coldMs, 0)} ms`, '', '', run.score);
      row('score', `MATH-V rescoring, ${s.items} items, warm (median of ${s.files} published files)`, `${f(s.warmMedianMs, 0)} ms`, `max ${f(s.warmMaxMs, 0)} ms`, '', undefined);
    } else fail('score', 'MATH-V rescoring', run.score);
  }
  const head = ['Section', 'Figure', 'Value', 'vs peak (same run)', 'Ratio', 'Peak RSS', 'load 1m'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  return [`bench:perf ${run.date} — ${run.machine.cpus}× ${run.machine.model}, ${f(run.machine.memGB, 0)} GB, node ${run.machine.node}, load at start ${run.machine.loadAtStart.map((x) => x.toFixed(2)).join(' ')}`, '', ...lines].join('\n');
}

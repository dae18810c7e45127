import { cuSeqlens, inversePermutation, visionRotaryPositions, windowIndex, type QwenVLConfig, type WeightStore } from '@evolmm/qwen-vl';

/**
 * A direct, loop-based port of HF's Qwen2(.5)-VL vision tower, WITH the window permutation, `cu_seqlens` segment
 * attention and the final un-permute (docs/runtime.md §3.2), using qwen-vl's index helpers. Float64 accumulation.
 * Test-only: it is the independent reference for the ONNX vision graph, which computes the same thing with masks.
 */
export function referenceVision(store: WeightStore, config: QwenVLConfig, pixels: Float32Array, grids: Array<[number, number, number]>): Float64Array {
  const v = config.vision;
  const E = v.embedDim;
  const heads = v.numHeads;
  const hd = E / heads;
  const m = v.spatialMergeSize;
  const unit = m * m;
  const is25 = config.variant === 'qwen2.5-vl';
  const W = (n: string) => store.readFloat32(n);
  const P = grids.reduce((s, [t, h, w]) => s + t * h * w, 0);
  const patchDim = pixels.length / P;

  // y[n, out] = x[n, in]·Wᵀ + b
  const linear = (x: Float64Array, n: number, inDim: number, prefix: string, outDim: number): Float64Array => {
    const w = W(`${prefix}.weight`);
    const b = store.has(`${prefix}.bias`) ? W(`${prefix}.bias`) : null;
    const y = new Float64Array(n * outDim);
    for (let r = 0; r < n; r++)
      for (let o = 0; o < outDim; o++) {
        let s = b ? b[o] : 0;
        for (let i = 0; i < inDim; i++) s += x[r * inDim + i] * w[o * inDim + i];
        y[r * outDim + o] = s;
      }
    return y;
  };
  const norm = (x: Float64Array, n: number, prefix: string): Float64Array => {
    const w = W(`${prefix}.weight`);
    const b = is25 ? null : W(`${prefix}.bias`);
    const y = new Float64Array(x.length);
    for (let r = 0; r < n; r++) {
      const row = x.subarray(r * E, (r + 1) * E);
      let mean = 0;
      if (!is25) mean = row.reduce((a, c) => a + c, 0) / E;
      const varr = row.reduce((a, c) => a + (c - mean) ** 2, 0) / E;
      for (let i = 0; i < E; i++) y[r * E + i] = ((row[i] - mean) / Math.sqrt(varr + 1e-6)) * w[i] + (b ? b[i] : 0);
    }
    return y;
  };
  const act = (x: number, name: string) =>
    name === 'quick_gelu' ? x / (1 + Math.exp(-1.702 * x)) : name === 'gelu' ? 0.5 * x * (1 + erf(x / Math.SQRT2)) : x / (1 + Math.exp(-x));

  let x = linear(Float64Array.from(pixels), P, patchDim, 'visual.patch_embed.proj', E);
  const { hpos, wpos } = visionRotaryPositions(grids, m);
  const inv: number[] = [];
  for (let j = 0; j < hd / 2; j += 2) inv.push(1 / Math.pow(10000, j / (hd / 2)));
  let emb = new Float64Array(P * hd);
  for (let p = 0; p < P; p++) {
    const f = [...inv.map((q) => hpos[p] * q), ...inv.map((q) => wpos[p] * q)];
    for (let j = 0; j < hd; j++) emb[p * hd + j] = f[j % (hd / 2)];
  }
  const cu = cuSeqlens(grids);
  let cuWin = cu;
  let perm: Int32Array | null = null;
  const permute = (a: Float64Array, width: number) => {
    const out = new Float64Array(a.length);
    perm!.forEach((src, j) => out.set(a.subarray(src * unit * width, (src + 1) * unit * width), j * unit * width));
    return out;
  };
  if (is25) {
    const wi = windowIndex(grids, { windowSize: v.windowSize!, patchSize: v.patchSize, mergeSize: m });
    perm = wi.windowIndex;
    cuWin = wi.cuWindowSeqlens;
    x = permute(x, E);
    emb = permute(emb, hd);
  }
  const rope = (q: Float64Array, p: number, h: number) => {
    const base = (p * heads + h) * hd;
    const out = new Float64Array(hd);
    for (let j = 0; j < hd; j++) {
      const rot = j < hd / 2 ? -q[base + j + hd / 2] : q[base + j - hd / 2];
      out[j] = q[base + j] * Math.cos(emb[p * hd + j]) + rot * Math.sin(emb[p * hd + j]);
    }
    return out;
  };
  for (let blk = 0; blk < v.depth; blk++) {
    const b = `visual.blocks.${blk}`;
    const segs = !is25 || v.fullattBlockIndexes.includes(blk) ? cu : cuWin;
    const h1 = norm(x, P, `${b}.norm1`);
    const qkv = linear(h1, P, E, `${b}.attn.qkv`, 3 * E); // [P, 3, heads, hd]
    const pick = (k: number) => {
      const o = new Float64Array(P * E);
      for (let p = 0; p < P; p++) o.set(qkv.subarray(p * 3 * E + k * E, p * 3 * E + (k + 1) * E), p * E);
      return o;
    };
    const q = pick(0), k = pick(1), val = pick(2);
    const attnOut = new Float64Array(P * E);
    for (let s = 0; s + 1 < segs.length; s++) {
      const [lo, hi] = [segs[s], segs[s + 1]];
      for (let h = 0; h < heads; h++) {
        const keys = Array.from({ length: hi - lo }, (_, j) => rope(k, lo + j, h));
        for (let i = lo; i < hi; i++) {
          const qi = rope(q, i, h);
          const scores = keys.map((kj) => kj.reduce((a, c, d) => a + c * qi[d], 0) / Math.sqrt(hd));
          const mx = Math.max(...scores);
          const e = scores.map((sc) => Math.exp(sc - mx));
          const z = e.reduce((a, c) => a + c, 0);
          for (let j = lo; j < hi; j++)
            for (let d = 0; d < hd; d++) attnOut[i * E + h * hd + d] += (e[j - lo] / z) * val[j * E + h * hd + d];
        }
      }
    }
    const proj = linear(attnOut, P, E, `${b}.attn.proj`, E);
    x = x.map((c, i) => c + proj[i]);
    const h2 = norm(x, P, `${b}.norm2`);
    let mlp: Float64Array;
    if (is25) {
      const g = linear(h2, P, E, `${b}.mlp.gate_proj`, v.mlpHiddenDim);
      const u = linear(h2, P, E, `${b}.mlp.up_proj`, v.mlpHiddenDim);
      mlp = linear(g.map((c, i) => act(c, v.hiddenAct) * u[i]), P, v.mlpHiddenDim, `${b}.mlp.down_proj`, E);
    } else {
      const f1 = linear(h2, P, E, `${b}.mlp.fc1`, v.mlpHiddenDim).map((c) => act(c, v.hiddenAct));
      mlp = linear(f1, P, v.mlpHiddenDim, `${b}.mlp.fc2`, E);
    }
    x = x.map((c, i) => c + mlp[i]);
  }
  const n = P / unit;
  const y0 = norm(x, P, 'visual.merger.ln_q'); // [P, E] viewed as [n, unit·E]
  const y1 = linear(y0, n, unit * E, 'visual.merger.mlp.0', unit * E).map((c) => act(c, 'gelu'));
  const y = linear(y1, n, unit * E, 'visual.merger.mlp.2', v.outHiddenSize);
  if (!perm) return y;
  const rev = inversePermutation(perm); // HF: hidden_states[reverse_indices]
  const out = new Float64Array(y.length);
  const D = v.outHiddenSize;
  for (let i = 0; i < n; i++) out.set(y.subarray(rev[i] * D, (rev[i] + 1) * D), i * D);
  return out;
}

/** Abramowitz–Stegun 7.1.26 is too coarse here; use the series/continued-fraction-free erf via Math (|err| < 1e-15). */
function erf(x: number): number {
  // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n!(2n+1)) converges fast for the |x| < 6 seen in tiny models.
  if (Math.abs(x) > 5.5) return Math.sign(x);
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

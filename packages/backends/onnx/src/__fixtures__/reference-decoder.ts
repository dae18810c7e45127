import type { PreparedInput, QwenVLConfig, WeightStore } from '@evolmm/qwen-vl';

/**
 * A loop port of HF's Qwen2 decoder with M-RoPE (docs/runtime.md §3.3): full-sequence logits [L, V] in float64 for
 * given input embeddings and the prepared (t, h, w) position rows. Test-only independent reference.
 */
export function referenceDecoder(store: WeightStore, config: QwenVLConfig, embeds: Float64Array, prepared: PreparedInput): Float64Array {
  const t = config.text;
  const H = t.hiddenSize, nH = t.numAttentionHeads, kvh = t.numKeyValueHeads, hd = t.headDim;
  const L = prepared.inputIds.length;
  const W = (n: string) => store.readFloat32(n);
  const linear = (x: Float64Array, inDim: number, prefix: string, outDim: number) => {
    const w = W(`${prefix}.weight`);
    const b = store.has(`${prefix}.bias`) ? W(`${prefix}.bias`) : null;
    const y = new Float64Array(L * outDim);
    for (let r = 0; r < L; r++)
      for (let o = 0; o < outDim; o++) {
        let s = b ? b[o] : 0;
        for (let i = 0; i < inDim; i++) s += x[r * inDim + i] * w[o * inDim + i];
        y[r * outDim + o] = s;
      }
    return y;
  };
  const rms = (x: Float64Array, name: string) => {
    const w = W(name);
    const y = new Float64Array(x.length);
    for (let r = 0; r < L; r++) {
      let ms = 0;
      for (let i = 0; i < H; i++) ms += x[r * H + i] ** 2;
      const inv = 1 / Math.sqrt(ms / H + t.rmsNormEps);
      for (let i = 0; i < H; i++) y[r * H + i] = x[r * H + i] * inv * w[i];
    }
    return y;
  };
  // M-RoPE: dim j uses position row chosen by mrope_section (repeated for the second half).
  const half = hd / 2;
  const rowOf = (j: number) => {
    const jj = j % half;
    return jj < t.mropeSection[0] ? 0 : jj < t.mropeSection[0] + t.mropeSection[1] ? 1 : 2;
  };
  const angle = (p: number, j: number) => prepared.positionIds[rowOf(j)][p] / Math.pow(t.ropeTheta, (2 * (j % half)) / hd);
  const rope = (x: Float64Array, heads: number) => {
    const y = new Float64Array(x.length);
    for (let p = 0; p < L; p++)
      for (let h = 0; h < heads; h++) {
        const base = (p * heads + h) * hd;
        for (let j = 0; j < hd; j++) {
          const rot = j < half ? -x[base + j + half] : x[base + j - half];
          y[base + j] = x[base + j] * Math.cos(angle(p, j)) + rot * Math.sin(angle(p, j));
        }
      }
    return y;
  };
  let x = embeds;
  for (let l = 0; l < t.numHiddenLayers; l++) {
    const pre = `model.layers.${l}`;
    const h = rms(x, `${pre}.input_layernorm.weight`);
    const q = rope(linear(h, H, `${pre}.self_attn.q_proj`, nH * hd), nH);
    const k = rope(linear(h, H, `${pre}.self_attn.k_proj`, kvh * hd), kvh);
    const v = linear(h, H, `${pre}.self_attn.v_proj`, kvh * hd);
    const o = new Float64Array(L * nH * hd);
    for (let head = 0; head < nH; head++) {
      const kv = Math.floor(head / (nH / kvh)); // repeat_kv
      for (let i = 0; i < L; i++) {
        const scores: number[] = [];
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let d = 0; d < hd; d++) s += q[(i * nH + head) * hd + d] * k[(j * kvh + kv) * hd + d];
          scores.push(s / Math.sqrt(hd));
        }
        const mx = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - mx));
        const z = e.reduce((a, c) => a + c, 0);
        for (let j = 0; j <= i; j++) for (let d = 0; d < hd; d++) o[(i * nH + head) * hd + d] += (e[j] / z) * v[(j * kvh + kv) * hd + d];
      }
    }
    const attn = linear(o, nH * hd, `${pre}.self_attn.o_proj`, H);
    x = x.map((c, i) => c + attn[i]);
    const h2 = rms(x, `${pre}.post_attention_layernorm.weight`);
    const g = linear(h2, H, `${pre}.mlp.gate_proj`, t.intermediateSize);
    const u = linear(h2, H, `${pre}.mlp.up_proj`, t.intermediateSize);
    const down = linear(g.map((c, i) => (c / (1 + Math.exp(-c))) * u[i]), t.intermediateSize, `${pre}.mlp.down_proj`, H);
    x = x.map((c, i) => c + down[i]);
  }
  x = rms(x, 'model.norm.weight');
  const head = store.has('lm_head.weight') ? 'lm_head' : 'model.embed_tokens';
  const w = W(`${head}.weight`);
  const V = t.vocabSize;
  const logits = new Float64Array(L * V);
  for (let r = 0; r < L; r++)
    for (let o = 0; o < V; o++) {
      let s = 0;
      for (let i = 0; i < H; i++) s += x[r * H + i] * w[o * H + i];
      logits[r * V + o] = s;
    }
  return logits;
}

/** Token embeddings with the image features written over the image-pad rows, in float64. */
export function referenceEmbeds(store: WeightStore, config: QwenVLConfig, prepared: PreparedInput, imageFeatures: Float64Array | null): Float64Array {
  const H = config.text.hiddenSize;
  const table = store.readFloat32('model.embed_tokens.weight');
  const out = new Float64Array(prepared.inputIds.length * H);
  let img = 0;
  prepared.inputIds.forEach((id, i) => {
    if (id === config.imageTokenId && imageFeatures) out.set(imageFeatures.subarray(img * H, ++img * H), i * H);
    else out.set(table.subarray(id * H, (id + 1) * H), i * H);
  });
  return out;
}

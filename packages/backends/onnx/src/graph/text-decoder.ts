import type { QwenVLConfig } from '@evolmm/qwen-vl';
import { DT, type GraphBuilder } from './graph-builder.js';
import { applyRotary, cachedAttention, linear, readWeight, rmsNorm, type WeightSource } from './layers.js';

/**
 * The `decoder_model_merged` graph in transformers.js's IO contract (docs/runtime.md §4):
 * inputs_embeds f32[b,s,H], attention_mask i64[b,total], position_ids i64[3,b,s], past_key_values.{i}.key|value
 * f32[b,kvh,past,hd], num_logits_to_keep i64[] (0 = all positions, k = the last k) →
 * logits f32[b,k,V], present.{i}.key|value f32[b,kvh,total,hd], and (ours only, ignored by transformers.js)
 * new_key_values.{i}.key|value f32[b,kvh,s,hd]: the rows this call appended, for runners that keep the cache in place.
 * num_logits_to_keep = −k keeps k logits and skips `present` (returned with 0 positions): what such runners pass.
 * kvh and hd are static numbers: transformers.js sizes the empty first-step past from the input metadata and turns
 * every symbolic dim except batch_size into 0 (§4 pitfall).
 */
export function buildTextDecoder(g: GraphBuilder, src: WeightSource, config: QwenVLConfig): void {
  const t = config.text;
  const H = t.hiddenSize;
  const nH = t.numAttentionHeads;
  const kvh = t.numKeyValueHeads;
  const hd = t.headDim;
  const rep = nH / kvh;

  const embeds = g.input('inputs_embeds', ['batch_size', 'sequence_length', H]);
  const mask = g.input('attention_mask', ['batch_size', 'total_sequence_length'], DT.INT64);
  const posIds = g.input('position_ids', [3, 'batch_size', 'sequence_length'], DT.INT64);
  const past: Array<{ key: string; value: string }> = [];
  for (let i = 0; i < t.numHiddenLayers; i++) {
    past.push({
      key: g.input(`past_key_values.${i}.key`, ['batch_size', kvh, 'past_sequence_length', hd]),
      value: g.input(`past_key_values.${i}.value`, ['batch_size', kvh, 'past_sequence_length', hd]),
    });
  }
  const keep = g.input('num_logits_to_keep', [], DT.INT64);

  // Lengths: s = new tokens, total = past + s (from the mask, as transformers.js grows it by one per step).
  const seqLen = g.op('Gather', [g.op('Shape', [embeds]), g.i64([1])], { axis: { i: 0 } }); // [1]
  const total = g.op('Gather', [g.op('Shape', [mask]), g.i64([1])], { axis: { i: 0 } }); // [1]
  const pastLen = g.op('Sub', [total, seqLen]);

  // Allowed[b,1,s,total] = causal (key index ≤ query's absolute index) AND key not padding.
  const kpos = g.op('Range', [g.i64([0], []), g.op('Squeeze', [total, g.i64([0])]), g.i64([1], [])]);
  const qpos = g.op('Range', [g.op('Squeeze', [pastLen, g.i64([0])]), g.op('Squeeze', [total, g.i64([0])]), g.i64([1], [])]);
  const causal = g.op('LessOrEqual', [
    g.op('Unsqueeze', [kpos, g.i64([0])]), // [1,total]
    g.op('Unsqueeze', [qpos, g.i64([1])]), // [s,1]
  ]);
  const notPad = g.op('Unsqueeze', [g.op('Equal', [mask, g.i64([1], [])]), g.i64([1, 2])]); // [b,1,1,total]
  const allowed = g.op('And', [notPad, causal]); // [b,1,s,total]
  // Grouped-query layout (below): one more broadcast axis for the query heads of a KV head.
  const allowedGrouped = rep === 1 ? allowed : g.op('Unsqueeze', [allowed, g.i64([1])]); // [b,1,1,s,total]

  // M-RoPE (docs/runtime.md §3.3): angle[b,s,j] = pos_{row(j)}·inv_freq[j mod hd/2], where dims 0..hd/2 are split
  // by mrope_section into rows t,h,w and the second half repeats the first. Selecting with a one-hot table before
  // the multiply is exact (the other rows contribute +0).
  const half = hd / 2;
  const select = new Float32Array(3 * hd);
  const sections = t.mropeSection;
  for (let j = 0; j < hd; j++) {
    const jj = j % half;
    const invFreq = 1 / Math.pow(t.ropeTheta, (2 * jj) / hd);
    let row = 0;
    let acc = sections[0];
    while (jj >= acc && row < 2) acc += sections[++row];
    select[row * hd + j] = Math.fround(invFreq);
  }
  const posF = g.op('Unsqueeze', [g.op('Cast', [posIds], { to: { i: DT.FLOAT } }), g.i64([3])]); // [3,b,s,1]
  const angle = g.op('ReduceSum', [g.op('Mul', [posF, g.f32(select, [3, 1, 1, hd])]), g.i64([0])], {
    keepdims: { i: 0 },
  }); // [b,s,hd]
  const cos = g.op('Unsqueeze', [g.op('Cos', [angle]), g.i64([1])]); // [b,1,s,hd]
  const sin = g.op('Unsqueeze', [g.op('Sin', [angle]), g.i64([1])]);

  const lengths = { pastLen, total };
  let x = embeds;
  const newRows: Array<{ key: string; value: string }> = [];
  for (let i = 0; i < t.numHiddenLayers; i++) {
    const p = `model.layers.${i}`;
    const h = rmsNorm(g, src, x, `${p}.input_layernorm.weight`, H, t.rmsNormEps);
    const heads = (y: string, n: number) =>
      g.op('Transpose', [g.op('Reshape', [y, g.i64([0, 0, n, hd])])], { perm: { ints: [0, 2, 1, 3] } });
    const q = applyRotary(g, heads(linear(g, src, h, `${p}.self_attn.q_proj`, H, nH * hd), nH), cos, sin, hd);
    const k = applyRotary(g, heads(linear(g, src, h, `${p}.self_attn.k_proj`, H, kvh * hd), kvh), cos, sin, hd);
    const v = heads(linear(g, src, h, `${p}.self_attn.v_proj`, H, kvh * hd), kvh);
    newRows.push({ key: k, value: v });
    // GQA: each KV head serves `rep` consecutive query heads (HF repeat_kv). Instead of materialising the repeated
    // K/V (rep copies of the whole cache per layer and step), the query heads of a KV head become one more batch
    // axis that MatMul broadcasts K/V over: q [b,kvh,rep,s,hd] · k [b,kvh,1,hd,T]. Measured on the 0.5B shape
    // (5-sample decode): the repeat made each step cost ~0.13 ms more per cached position.
    let o: string;
    if (rep === 1) o = cachedAttention(g, q, past[i], { key: k, value: v }, allowed, lengths, hd, 4); // [b,nH,s,hd]
    else {
      const grouped = (y: string) => g.op('Unsqueeze', [y, g.i64([2])]); // [b,kvh,1,t,hd]
      const qg = g.op('Reshape', [q, g.i64([0, kvh, rep, -1, hd])]); // [b,kvh,rep,s,hd]
      const og = cachedAttention(g, qg, { key: grouped(past[i].key), value: grouped(past[i].value) }, { key: grouped(k), value: grouped(v) }, allowedGrouped, lengths, hd, 5);
      o = g.op('Reshape', [og, g.i64([0, nH, -1, hd])]);
    }
    const merged = g.op('Reshape', [g.op('Transpose', [o], { perm: { ints: [0, 2, 1, 3] } }), g.i64([0, 0, nH * hd])]);
    x = g.op('Add', [x, linear(g, src, merged, `${p}.self_attn.o_proj`, nH * hd, H)]);
    const h2 = rmsNorm(g, src, x, `${p}.post_attention_layernorm.weight`, H, t.rmsNormEps);
    const gate = linear(g, src, h2, `${p}.mlp.gate_proj`, H, t.intermediateSize);
    const up = linear(g, src, h2, `${p}.mlp.up_proj`, H, t.intermediateSize);
    const act = g.op('Mul', [g.op('Mul', [gate, g.op('Sigmoid', [gate])]), up]);
    x = g.op('Add', [x, linear(g, src, act, `${p}.mlp.down_proj`, t.intermediateSize, H)]);
  }
  x = rmsNorm(g, src, x, 'model.norm.weight', H, t.rmsNormEps);

  // Cache outputs. `present` (transformers.js's contract) is past ‖ new, a copy of the whole cache per layer and
  // call, so it sits in an If that a negative num_logits_to_keep skips (then it has 0 positions): our runner keeps
  // the cache in place and only needs `new_key_values`, this call's rows. Measured on the 0.5B shape, 5-sample
  // decode after a 1024-token prompt: 8.4 → 10.6–12.1 steps/s without the concatenation.
  const skip = g.op('Less', [keep, g.i64([0], [])]);
  const kinds = ['key', 'value'] as const;
  const emptyBranch = g.branch('present_skipped', (b) => {
    for (const p of past) for (const kind of kinds) b.output(b.op('Slice', [p[kind], b.i64([0]), b.i64([0]), b.i64([2])]), b.fresh('present'), ['batch_size', kvh, 0, hd]);
  });
  const concatBranch = g.branch('present_concat', (b) => {
    past.forEach((p, i) => {
      for (const kind of kinds) b.output(b.op('Concat', [p[kind], newRows[i][kind]], { axis: { i: 2 } }), b.fresh('present'), ['batch_size', kvh, 'total_sequence_length', hd]);
    });
  });
  const presents = g.opN('If', [skip], 2 * t.numHiddenLayers, { then_branch: { graph: emptyBranch }, else_branch: { graph: concatBranch } });
  past.forEach((_, i) => {
    g.output(presents[2 * i], `present.${i}.key`, ['batch_size', kvh, 'total_sequence_length', hd]);
    g.output(presents[2 * i + 1], `present.${i}.value`, ['batch_size', kvh, 'total_sequence_length', hd]);
    g.output(newRows[i].key, `new_key_values.${i}.key`, ['batch_size', kvh, 'sequence_length', hd]);
    g.output(newRows[i].value, `new_key_values.${i}.value`, ['batch_size', kvh, 'sequence_length', hd]);
  });

  // Keep the last k positions before the vocabulary projection (k = 0 keeps all): prefill then costs one H×V
  // product instead of s of them.
  const keep1 = g.op('Abs', [g.op('Reshape', [keep, g.i64([1])])]); // −k: k, with `present` skipped (above)
  const kept = g.op('Where', [g.op('Equal', [keep1, g.i64([0])]), seqLen, g.op('Min', [keep1, seqLen])]);
  x = g.op('Slice', [x, g.op('Sub', [seqLen, kept]), seqLen, g.i64([1])]);

  // Tied checkpoints (Qwen2.5-VL-3B) have no lm_head.weight: the embedding table is the output projection.
  const headName = t.tieWordEmbeddings && !src.has('lm_head.weight') ? 'model.embed_tokens.weight' : 'lm_head.weight';
  const V = t.vocabSize;
  const logits = g.matmulWeight(x, 'lm_head.weight', readWeight(src, headName, [V, H]), H, V);
  g.output(logits, 'logits', ['batch_size', 'num_logits', V]);
}

// Work and byte counts for the figures bench-perf prints as fractions of the measured peaks (issue 10).

/** Parameters of the decoder's linear layers (q,k,v,o,gate,up,down over all layers) and of the LM head. */
export function textParams(text) {
  const H = text.hiddenSize, I = text.intermediateSize, L = text.numHiddenLayers;
  const q = text.numAttentionHeads * text.headDim, kv = text.numKeyValueHeads * text.headDim;
  const perLayer = H * q + 2 * H * kv + q * H + 3 * H * I;
  return { linear: perLayer * L, lmHead: H * text.vocabSize };
}

/**
 * FLOPs of one forward over `tokens` new positions after `past` cached ones, batch `batch`, with `logitRows`
 * LM-head rows per sequence: 2·params per token for the linears, 2·2·q·(context) per token per layer for QKᵀ and AV.
 */
export function forwardFlops(text, { tokens, past = 0, batch = 1, logitRows = 1 }) {
  const { linear, lmHead } = textParams(text);
  const q = text.numAttentionHeads * text.headDim;
  // causal: token i attends to past + i + 1 positions
  const ctx = tokens * past + (tokens * (tokens + 1)) / 2;
  const attn = 4 * q * ctx * text.numHiddenLayers;
  return batch * (2 * linear * tokens + attn + 2 * lmHead * logitRows);
}

import type { QwenVLConfig } from '@evolmm/qwen-vl';
import { DT, type GraphBuilder } from './graph-builder.js';
import { readWeight, type WeightSource } from './layers.js';

/** The `embed_tokens` graph (docs/runtime.md §4): input_ids i64[b,s] → inputs_embeds f32[b,s,H]. */
export function buildEmbedTokens(g: GraphBuilder, src: WeightSource, config: QwenVLConfig): void {
  const { vocabSize: V, hiddenSize: H } = config.text;
  const ids = g.input('input_ids', ['batch_size', 'sequence_length'], DT.INT64);
  const table = g.weight('model.embed_tokens.weight', [V, H], readWeight(src, 'model.embed_tokens.weight', [V, H]));
  g.output(g.op('Gather', [table, ids], { axis: { i: 0 } }), 'inputs_embeds', ['batch_size', 'sequence_length', H]);
}

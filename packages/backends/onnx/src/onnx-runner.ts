import { EvolmmError } from '@evolmm/core';
import { f16ToF32, f32ToF16, type PreparedInput, type QwenVLConfig } from '@evolmm/qwen-vl';
import * as ort from 'onnxruntime-node';

type Float = 'float32' | 'float16';

/** The KV cache of a batch: one [b, kvh, total, hd] tensor per layer and kind, as the decoder returned it. */
export interface KvCache {
  readonly batch: number;
  readonly length: number;
  readonly tensors: Record<string, ort.Tensor>;
}

/**
 * Runs the three graphs of the transformers.js layout (docs/runtime.md §4) for one model: ours or another tool's.
 * IO names, layer count, KV shapes and float type are read from the sessions, not assumed.
 */
export class OnnxRunner {
  readonly numLayers: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly hidden: number;
  private readonly floatType: Float;
  private readonly gridInput: string;
  private readonly hasKeep: boolean;
  private readonly hasCacheBranch: boolean;

  constructor(
    readonly config: QwenVLConfig,
    private readonly vision: ort.InferenceSession,
    private readonly embed: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
  ) {
    const names = decoder.inputNames;
    this.numLayers = names.filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length;
    if (this.numLayers === 0 || !names.includes('inputs_embeds')) {
      throw new EvolmmError('MODEL_FORMAT', `decoder_model_merged inputs are [${names.join(', ')}]; expected inputs_embeds, attention_mask, position_ids and past_key_values.{i}.key/value (the transformers.js Qwen2-VL layout)`);
    }
    const meta = metaOf(decoder, 'past_key_values.0.key');
    const dim = (i: number, fallback: number) => (typeof meta?.shape[i] === 'number' ? (meta.shape[i] as number) : fallback);
    this.kvHeads = dim(1, config.text.numKeyValueHeads);
    this.headDim = dim(3, config.text.headDim);
    this.hidden = config.text.hiddenSize;
    this.floatType = meta?.type === 'float16' ? 'float16' : 'float32';
    this.hasKeep = names.includes('num_logits_to_keep');
    this.hasCacheBranch = names.includes('use_cache_branch');
    const gridInput = vision.inputNames.find((n) => n === 'image_grid_thw' || n === 'grid_thw');
    if (!gridInput) {
      throw new EvolmmError('MODEL_FORMAT', `vision_encoder inputs are [${vision.inputNames.join(', ')}]; expected pixel_values and image_grid_thw (or grid_thw)`);
    }
    this.gridInput = gridInput;
  }

  /** inputs_embeds [b, s, H] for token ids (row-major [b, s]). */
  async embedTokens(ids: ArrayLike<number>, batch: number): Promise<ort.Tensor> {
    const seq = ids.length / batch;
    const out = await this.embed.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(Array.from(ids, BigInt)), [batch, seq]) });
    return out.inputs_embeds;
  }

  /** Embeddings of a prepared prompt with the image features written over the image-pad rows (§4 flow). */
  async promptEmbeds(prepared: PreparedInput): Promise<ort.Tensor> {
    const embeds = await this.embedTokens(prepared.inputIds, 1);
    if (!prepared.pixelValues || prepared.imageGridThw.length === 0) return embeds;
    const patchDim = prepared.pixelValues.length / prepared.imageGridThw.reduce((a, [t, h, w]) => a + t * h * w, 0);
    const pixels =
      this.visionFloat() === 'float16'
        ? new ort.Tensor('float16', f32ToF16(prepared.pixelValues), [prepared.pixelValues.length / patchDim, patchDim])
        : new ort.Tensor('float32', prepared.pixelValues, [prepared.pixelValues.length / patchDim, patchDim]);
    const grid = new ort.Tensor('int64', BigInt64Array.from(prepared.imageGridThw.flat().map(BigInt)), [prepared.imageGridThw.length, 3]);
    const feats = (await this.vision.run({ pixel_values: pixels, [this.gridInput]: grid })).image_features;
    const positions: number[] = [];
    prepared.inputIds.forEach((id, i) => {
      if (id === this.config.imageTokenId) positions.push(i);
    });
    if (feats.dims[0] !== positions.length) {
      throw new EvolmmError('INTERNAL', `the vision encoder returned ${feats.dims[0]} image features but the prompt has ${positions.length} image tokens; processor and model disagree on spatial_merge_size`);
    }
    const H = this.hidden;
    const dst = embeds.data as Float32Array | Uint16Array;
    let src = feats.data as Float32Array | Uint16Array;
    if (src.constructor !== dst.constructor) src = dst instanceof Uint16Array ? f32ToF16(src as Float32Array) : f16ToF32(src as Uint16Array);
    positions.forEach((pos, j) => dst.set(src.subarray(j * H, (j + 1) * H), pos * H));
    return embeds;
  }

  /** An empty KV cache for `batch` rows. */
  emptyCache(batch: number): KvCache {
    const tensors: Record<string, ort.Tensor> = {};
    for (let i = 0; i < this.numLayers; i++) {
      for (const kind of ['key', 'value']) {
        tensors[`past_key_values.${i}.${kind}`] = new ort.Tensor(this.floatType, this.floatType === 'float16' ? new Uint16Array(0) : new Float32Array(0), [batch, this.kvHeads, 0, this.headDim]);
      }
    }
    return { batch, length: 0, tensors };
  }

  /**
   * One decoder call: `embeds` [b, s, H] after `cache`, M-RoPE rows `positions` ([3][b·s], row-major), keeping the
   * last `keep` logits (0 = all). Returns logits as float32 [b, kept, V] and the grown cache.
   */
  async decode(embeds: ort.Tensor, positions: [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>], cache: KvCache, keep: number): Promise<{ logits: Float32Array; kept: number; cache: KvCache }> {
    const [b, s] = embeds.dims as [number, number, number];
    const total = cache.length + s;
    const pos = new BigInt64Array(3 * b * s);
    for (let r = 0; r < 3; r++) for (let j = 0; j < b * s; j++) pos[r * b * s + j] = BigInt(positions[r][j]);
    const feeds: Record<string, ort.Tensor> = {
      inputs_embeds: embeds,
      attention_mask: new ort.Tensor('int64', new BigInt64Array(b * total).fill(1n), [b, total]),
      position_ids: new ort.Tensor('int64', pos, [3, b, s]),
      ...cache.tensors,
    };
    if (this.hasKeep) feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.of(BigInt(keep)), []);
    if (this.hasCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.of(cache.length > 0 ? 1 : 0), [1]);
    const out = await this.decoder.run(feeds);
    const tensors: Record<string, ort.Tensor> = {};
    for (let i = 0; i < this.numLayers; i++) {
      tensors[`past_key_values.${i}.key`] = out[`present.${i}.key`];
      tensors[`past_key_values.${i}.value`] = out[`present.${i}.value`];
    }
    const lt = out.logits;
    let logits = lt.type === 'float16' ? f16ToF32(lt.data as Uint16Array) : (lt.data as Float32Array);
    let kept = lt.dims[1];
    // Graphs without num_logits_to_keep return every position: keep the tail here.
    const want = keep === 0 ? s : Math.min(keep, s);
    if (kept > want) {
      const V = lt.dims[2];
      const sliced = new Float32Array(b * want * V);
      for (let r = 0; r < b; r++) sliced.set(logits.subarray((r * kept + kept - want) * V, (r * kept + kept) * V), r * want * V);
      logits = sliced;
      kept = want;
    }
    return { logits, kept, cache: { batch: b, length: total, tensors } };
  }

  private visionFloat(): Float {
    return metaOf(this.vision, 'pixel_values')?.type === 'float16' ? 'float16' : 'float32';
  }
}

/** Repeats a batch-1 cache `n` times: the prompt is prefilled once and shared by all samples (issue 10). */
export function tileCache(cache: KvCache, n: number): KvCache {
  if (cache.batch !== 1) throw new EvolmmError('INTERNAL', `tileCache expects a batch-1 cache, found batch ${cache.batch}`);
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(cache.tensors)) {
    const src = t.data as Float32Array | Uint16Array;
    const dst = new (src.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(src.length * n);
    for (let i = 0; i < n; i++) dst.set(src, i * src.length);
    tensors[name] = new ort.Tensor(t.type as Float, dst, [n, ...t.dims.slice(1)]);
  }
  return { batch: n, length: cache.length, tensors };
}

/** Keeps batch rows `rows` (in that order): finished samples leave the batch so they cost nothing. */
export function selectRows(cache: KvCache, rows: readonly number[]): KvCache {
  const tensors: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(cache.tensors)) {
    const src = t.data as Float32Array | Uint16Array;
    const per = src.length / cache.batch;
    const dst = new (src.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(per * rows.length);
    rows.forEach((r, i) => dst.set(src.subarray(r * per, (r + 1) * per), i * per));
    tensors[name] = new ort.Tensor(t.type as Float, dst, [rows.length, ...t.dims.slice(1)]);
  }
  return { batch: rows.length, length: cache.length, tensors };
}

function metaOf(session: ort.InferenceSession, name: string): { type: string; shape: Array<number | string> } | undefined {
  const list = (session as unknown as { inputMetadata?: Array<{ name: string; isTensor: boolean; type?: string; shape?: Array<number | string> }> }).inputMetadata;
  const m = list?.find((x) => x.name === name);
  return m && m.isTensor && m.type && m.shape ? { type: m.type, shape: m.shape } : undefined;
}

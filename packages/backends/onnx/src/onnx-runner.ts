import { EvolmmError } from '@evolmm/core';
import { f16ToF32, f32ToF16, type PreparedInput, type QwenVLConfig } from '@evolmm/qwen-vl';
import * as ort from 'onnxruntime-node';
import { appendRows, cacheMask, emptyKvCache, KV_BLOCK, type KvCache } from './kv-cache.js';

export { selectRows, tileCache, type KvCache } from './kv-cache.js';

type Float = 'float32' | 'float16';

export interface KvCacheOptions {
  /**
   * Keep the KV cache in preallocated buffers when the decoder offers `new_key_values.*` (default true). false
   * feeds back the whole `present.*` cache every step, as transformers.js does: the reference path for tests.
   */
  kvInPlace?: boolean;
  /** Free cache slots are added this many positions at a time (default KV_BLOCK = 64). */
  kvBlock?: number;
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
  /** The decoder returns this call's rows (`new_key_values.*`): the cache can stay in preallocated buffers. */
  readonly inPlace: boolean;
  /** Per layer and kind: the cache input and the two outputs that can refill it. */
  private readonly kvNames: Array<{ past: string; present: string; fresh: string }>;
  private readonly inPlaceFetches: string[];
  private readonly kvInPlace: boolean;
  private readonly kvBlock: number;

  constructor(
    readonly config: QwenVLConfig,
    private readonly vision: ort.InferenceSession,
    private readonly embed: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    opts: KvCacheOptions = {},
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
    this.kvNames = Array.from({ length: this.numLayers }, (_, i) =>
      ['key', 'value'].map((kind) => ({ past: `past_key_values.${i}.${kind}`, present: `present.${i}.${kind}`, fresh: `new_key_values.${i}.${kind}` })),
    ).flat();
    this.inPlace = this.kvNames.every((n) => decoder.outputNames.includes(n.fresh));
    this.inPlaceFetches = ['logits', ...this.kvNames.map((n) => n.fresh)];
    this.kvInPlace = opts.kvInPlace ?? true;
    this.kvBlock = opts.kvBlock ?? KV_BLOCK;
    if (!(Number.isInteger(this.kvBlock) && this.kvBlock >= 1)) throw new EvolmmError('INVALID_ARGUMENT', `kvBlock must be a positive integer; found ${this.kvBlock}`);
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
    return emptyKvCache(this.kvNames.map((n) => n.past), batch, this.kvHeads, this.headDim, this.floatType);
  }

  /**
   * One decoder call: `embeds` [b, s, H] after `cache`, M-RoPE rows `positions` ([3][b·s], row-major), keeping the
   * last `keep` logits (0 = all). Returns logits as float32 [b, kept, V] and the grown cache; `cache` is consumed.
   *
   * With our exports (`new_key_values.*` outputs) the cache stays in its buffers: the graph reads every slot, the
   * free ones masked as padding, and only the new rows come back to be written in place. Other graphs return the
   * whole grown cache (`present.*`), which becomes the next call's input.
   */
  async decode(embeds: ort.Tensor, positions: [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>], cache: KvCache, keep: number): Promise<{ logits: Float32Array; kept: number; cache: KvCache }> {
    const [b, s] = embeds.dims as [number, number, number];
    if (b !== cache.batch) throw new EvolmmError('INTERNAL', `decode got ${b} embedding rows for a cache of batch ${cache.batch}`);
    const pos = new BigInt64Array(3 * b * s);
    for (let r = 0; r < 3; r++) for (let j = 0; j < b * s; j++) pos[r * b * s + j] = BigInt(positions[r][j]);
    const feeds: Record<string, ort.Tensor> = {
      inputs_embeds: embeds,
      attention_mask: cacheMask(cache, s),
      position_ids: new ort.Tensor('int64', pos, [3, b, s]),
      ...cache.tensors,
    };
    const inPlace = this.inPlace && this.kvInPlace;
    // In place, a negative count also tells our graphs to skip their `present` outputs (never fetched here).
    const keepFeed = inPlace ? -(keep === 0 ? s : Math.min(keep, s)) : keep;
    if (this.hasKeep) feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.of(BigInt(keepFeed)), []);
    if (this.hasCacheBranch) feeds.use_cache_branch = new ort.Tensor('bool', Uint8Array.of(cache.length > 0 ? 1 : 0), [1]);
    if (!inPlace && cache.capacity !== cache.length) throw new EvolmmError('INTERNAL', 'a cache with free slots was given to a decoder without new_key_values outputs');
    const out = inPlace ? await this.decoder.run(feeds, this.inPlaceFetches) : await this.decoder.run(feeds);
    // The returned tensors under the cache's input names: this call's rows (in place) or the whole grown cache.
    const byPast = (output: 'fresh' | 'present') => Object.fromEntries(this.kvNames.map((n) => [n.past, out[n[output]]]));
    const next: KvCache = inPlace
      ? appendRows(cache, byPast('fresh'), s, this.kvBlock)
      : { batch: b, length: cache.length + s, capacity: cache.length + s, tensors: byPast('present') };
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
    return { logits, kept, cache: next };
  }

  private visionFloat(): Float {
    return metaOf(this.vision, 'pixel_values')?.type === 'float16' ? 'float16' : 'float32';
  }
}

function metaOf(session: ort.InferenceSession, name: string): { type: string; shape: Array<number | string> } | undefined {
  const list = (session as unknown as { inputMetadata?: Array<{ name: string; isTensor: boolean; type?: string; shape?: Array<number | string> }> }).inputMetadata;
  const m = list?.find((x) => x.name === name);
  return m && m.isTensor && m.type && m.shape ? { type: m.type, shape: m.shape } : undefined;
}

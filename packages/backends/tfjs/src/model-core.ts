import * as tf from '@tensorflow/tfjs';
import { EvolmmError, didYouMean } from '@evolmm/core';
import type { PreparedInput, QwenProcessor, QwenVLConfig } from '@evolmm/qwen-vl';
import type { LoraAdapter } from './lora.js';
import { mropeTables } from './rope.js';
import { encodeImages } from './vision-tower.js';
import type { ModelWeights } from './weights.js';

/** Name that selects the base model (all adapters off) in `generate({ adapter })` and `forwardLogits`. */
export const BASE_ADAPTER = 'none';

/** The loaded model shared by generation, training and export code. */
export class ModelCore {
  private cache: { ids: Int32Array; pixels: Float32Array; features: tf.Tensor2D } | null = null;

  constructor(
    readonly cfg: QwenVLConfig,
    readonly weights: ModelWeights,
    readonly processor: QwenProcessor,
    readonly adapters: Map<string, LoraAdapter>,
  ) {}

  /** `undefined` → 'default' when present; 'none' → base model; otherwise the named adapter. */
  resolveAdapter(name: string | undefined): LoraAdapter | undefined {
    if (name === undefined) return this.adapters.get('default');
    if (name === BASE_ADAPTER) return undefined;
    const a = this.adapters.get(name);
    if (!a) {
      const known = [...this.adapters.keys()];
      throw new EvolmmError(
        'INVALID_ARGUMENT',
        `unknown adapter '${name}'${didYouMean(name, known)}; this model has ${known.length ? known.join(', ') : 'no adapters'} ` +
          `(use '${BASE_ADAPTER}' for the base model)`,
      );
    }
    return a;
  }

  /**
   * Visual tokens [n, D] of a prepared prompt (kept; owned by a one-entry cache, since a step usually follows the
   * generate call on the same prompt). Null without images.
   */
  visualFeatures(prepared: PreparedInput): tf.Tensor2D | null {
    if (!prepared.pixelValues || prepared.imageGridThw.length === 0) return null;
    if (!this.weights.vision) {
      throw new EvolmmError('MODEL_FORMAT', 'the prompt has an image but this model folder has no vision tower weights (visual.*)');
    }
    const c = this.cache;
    if (c && sameArray(c.ids, prepared.inputIds) && sameArray(c.pixels, prepared.pixelValues)) return c.features;
    const features = tf.keep(encodeImages(this.weights.vision, this.cfg, prepared.pixelValues, prepared.imageGridThw));
    c?.features.dispose();
    this.cache = { ids: prepared.inputIds, pixels: prepared.pixelValues, features };
    return features;
  }

  /** M-RoPE cos/sin [T, hd] for the prompt rows. */
  promptRope(prepared: PreparedInput): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
    return this.rope(prepared.positionIds);
  }

  /** cos/sin for `count` tokens at absolute indices start.. after the prompt (position = index + ropeDelta). */
  continuationRope(prepared: PreparedInput, start: number, count: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
    const row = new Int32Array(count);
    for (let i = 0; i < count; i++) row[i] = start + i + prepared.ropeDelta;
    return this.rope([row, row, row]);
  }

  private rope(rows: readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>]): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
    const t = this.cfg.text;
    const { cos, sin, length } = mropeTables(rows, t.headDim, t.ropeTheta, t.mropeSection);
    return { cos: tf.tensor2d(cos, [length, t.headDim]), sin: tf.tensor2d(sin, [length, t.headDim]) };
  }

  dispose(): void {
    this.cache?.features.dispose();
    this.cache = null;
  }
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

import { EvolmmError } from '@evolmm/core';
import type { QwenVLConfig } from './config.js';

/**
 * `get_rope_index` for one unpadded sequence with images (docs/runtime.md §3.4). Text spans get
 * `st + arange(L)` on all three rows, `st = max(previous) + 1`; an image span with merged grid (t, h, w) gets
 * `(t_i·0, h_i, w_i) + st` in row-major order (scale 0 for images, so t = st). `ropeDelta = max + 1 − seqLen`:
 * a decode token at absolute index i has position i + ropeDelta on every row.
 */
export function getRopeIndex(
  inputIds: Int32Array,
  imageGridThw: Array<[number, number, number]>,
  config: Pick<QwenVLConfig, 'imageTokenId' | 'visionStartTokenId' | 'videoTokenId'> & { vision: { spatialMergeSize: number } },
): { positionIds: [Int32Array, Int32Array, Int32Array]; ropeDelta: number } {
  const n = inputIds.length;
  const rows: [Int32Array, Int32Array, Int32Array] = [new Int32Array(n), new Int32Array(n), new Int32Array(n)];
  const m = config.vision.spatialMergeSize;
  let st = 0; // next token index
  let next = 0; // next position value (max so far + 1)
  let image = 0;
  const text = (end: number) => {
    for (let i = st; i < end; i++) {
      const p = next + (i - st);
      rows[0][i] = p;
      rows[1][i] = p;
      rows[2][i] = p;
    }
    if (end > st) next += end - st;
    st = end;
  };
  for (let i = 0; i < n; i++) {
    if (inputIds[i] === config.videoTokenId && i > 0 && inputIds[i - 1] === config.visionStartTokenId) {
      throw new EvolmmError('UNSUPPORTED', 'video inputs are not supported; pass images');
    }
    if (inputIds[i] !== config.imageTokenId || i < st) continue;
    if (i === 0 || inputIds[i - 1] !== config.visionStartTokenId) {
      throw new EvolmmError('INVALID_ARGUMENT', `image token at index ${i} does not follow <|vision_start|>; build prompts with the chat template`);
    }
    const grid = imageGridThw[image];
    if (!grid) throw new EvolmmError('INVALID_ARGUMENT', `the prompt has more images than the ${imageGridThw.length} grids given`);
    const [t, h, w] = grid;
    const lh = h / m, lw = w / m;
    const count = t * lh * lw;
    for (let k = 0; k < count; k++) {
      if (inputIds[i + k] !== config.imageTokenId) {
        throw new EvolmmError('INVALID_ARGUMENT', `image ${image} (grid ${t}×${h}×${w}) needs ${count} image tokens at index ${i}, found ${k}; expand each <|image_pad|> to t·h·w/${m * m} copies`);
      }
    }
    text(i);
    // Images: temporal index × (second_per_grid_t · tokens_per_second) with second_per_grid_t = 0 ⇒ all t equal.
    let k = i;
    for (let ti = 0; ti < t; ti++) {
      for (let hi = 0; hi < lh; hi++) {
        for (let wi = 0; wi < lw; wi++) {
          rows[0][k] = next;
          rows[1][k] = next + hi;
          rows[2][k] = next + wi;
          k++;
        }
      }
    }
    next += Math.max(1, Math.max(lh, lw)); // max(position) + 1 over the span (t row adds 0 for images)
    st = i + count;
    image++;
  }
  if (image !== imageGridThw.length) {
    throw new EvolmmError('INVALID_ARGUMENT', `${imageGridThw.length} image grids given but the prompt has ${image} image spans`);
  }
  text(n);
  return { positionIds: rows, ropeDelta: next - n };
}

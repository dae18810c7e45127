import { EvolmmError } from '@evolmm/core';

/** Python 3 `round()`: halves go to the even neighbour (docs/runtime.md §3.6 pitfall: 2.5 → 2, not 3). */
export function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export interface SmartResizeOptions {
  /** patch_size · merge_size. Default 28. */
  factor?: number;
  /** Default 56·56 = 3136. */
  minPixels?: number;
  /** Default 28·28·1280 = 1003520 (the function default; checkpoints set their own in preprocessor_config.json). */
  maxPixels?: number;
}

/**
 * HF `smart_resize` (image_processing_qwen2_vl.py, docs/runtime.md §3.6): sides become multiples of `factor`,
 * the area is clamped to [minPixels, maxPixels], the aspect ratio is kept as well as possible. Returns [h, w].
 * Throws for sides below `factor` or an aspect ratio above 200, as the Python processor does.
 */
export function smartResize(height: number, width: number, opts: SmartResizeOptions = {}): [number, number] {
  const factor = opts.factor ?? 28;
  const minPixels = opts.minPixels ?? 56 * 56;
  const maxPixels = opts.maxPixels ?? 28 * 28 * 1280;
  if (!(height > 0 && width > 0)) throw new EvolmmError('INVALID_ARGUMENT', `image size must be positive, found ${width}×${height}`);
  if (height < factor || width < factor) {
    throw new EvolmmError('INVALID_ARGUMENT', `image ${width}×${height} is too small: both sides must be at least ${factor} pixels (patch_size × merge_size); upscale it first`, { details: { height, width, factor } });
  }
  if (Math.max(height, width) / Math.min(height, width) > 200) {
    throw new EvolmmError('INVALID_ARGUMENT', `image ${width}×${height} has aspect ratio ${(Math.max(height, width) / Math.min(height, width)).toFixed(1)}; Qwen2-VL accepts at most 200. Crop or pad it`, { details: { height, width } });
  }
  let hBar = pyRound(height / factor) * factor;
  let wBar = pyRound(width / factor) * factor;
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    hBar = Math.max(factor, Math.floor(height / beta / factor) * factor);
    wBar = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    hBar = Math.ceil((height * beta) / factor) * factor;
    wBar = Math.ceil((width * beta) / factor) * factor;
  }
  return [hBar, wBar];
}

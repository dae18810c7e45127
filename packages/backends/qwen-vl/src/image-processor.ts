import { EvolmmError, type RawImage } from '@evolmm/core';
import { dropAlpha, resizeBicubicPil } from './pil-bicubic.js';
import { smartResize } from './smart-resize.js';

/** Qwen2VLImageProcessor settings (preprocessor_config.json); defaults are the hub values. */
export interface ImageProcessorOptions {
  /** Default 3136. */
  minPixels?: number;
  /** Default 12845056 (Qwen2.5-VL preprocessor_config.json). */
  maxPixels?: number;
  /** Default 14. */
  patchSize?: number;
  /** Default 2. */
  temporalPatchSize?: number;
  /** Default 2. */
  mergeSize?: number;
  /** Default CLIP mean [0.48145466, 0.4578275, 0.40821073]. */
  imageMean?: readonly [number, number, number];
  /** Default CLIP std [0.26862954, 0.26130258, 0.27577711]. */
  imageStd?: readonly [number, number, number];
  /** Default 1/255. */
  rescaleFactor?: number;
  doResize?: boolean;
  doRescale?: boolean;
  doNormalize?: boolean;
}

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** Reads processor options from a parsed preprocessor_config.json (old `min_pixels` keys or new `size` keys). */
export function imageProcessorOptionsFromJson(json: Record<string, unknown>): ImageProcessorOptions {
  const size = (json.size ?? {}) as Record<string, unknown>;
  const n = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const triple = (v: unknown) => (Array.isArray(v) && v.length === 3 ? (v.map(Number) as [number, number, number]) : undefined);
  return {
    minPixels: n(json.min_pixels) ?? n(size.shortest_edge),
    maxPixels: n(json.max_pixels) ?? n(size.longest_edge),
    patchSize: n(json.patch_size),
    temporalPatchSize: n(json.temporal_patch_size),
    mergeSize: n(json.merge_size),
    imageMean: triple(json.image_mean),
    imageStd: triple(json.image_std),
    rescaleFactor: n(json.rescale_factor),
    doResize: typeof json.do_resize === 'boolean' ? json.do_resize : undefined,
    doRescale: typeof json.do_rescale === 'boolean' ? json.do_rescale : undefined,
    doNormalize: typeof json.do_normalize === 'boolean' ? json.do_normalize : undefined,
  };
}

/**
 * HF Qwen2VLImageProcessor for one image (docs/runtime.md §3.6): smart_resize, Pillow-style bicubic resize,
 * ×rescale, normalise (float32 arithmetic, as numpy does), tile to `temporalPatchSize` frames, and the 9-D
 * permute to merge-block-major rows of C·T·P·P values. Returns `pixelValues [gh·gw, C·T·P·P]` and
 * `gridThw = [1, gh, gw]`.
 */
export function processImage(img: RawImage, opts: ImageProcessorOptions = {}): { pixelValues: Float32Array; gridThw: [number, number, number] } {
  const P = opts.patchSize ?? 14;
  const T = opts.temporalPatchSize ?? 2;
  const M = opts.mergeSize ?? 2;
  const mean = opts.imageMean ?? CLIP_MEAN;
  const std = opts.imageStd ?? CLIP_STD;
  const scale = opts.rescaleFactor ?? 1 / 255;
  const doRescale = opts.doRescale ?? true;
  const doNormalize = opts.doNormalize ?? true;
  let rgb: RawImage = { width: img.width, height: img.height, channels: 3, data: dropAlpha(img) };
  if (opts.doResize ?? true) {
    const [h, w] = smartResize(img.height, img.width, { factor: P * M, minPixels: opts.minPixels ?? 3136, maxPixels: opts.maxPixels ?? 12845056 });
    if (h !== img.height || w !== img.width) rgb = resizeBicubicPil(rgb, w, h);
  } else if (img.height % (P * M) !== 0 || img.width % (P * M) !== 0) {
    throw new EvolmmError('INVALID_ARGUMENT', `with doResize false the image sides must be multiples of ${P * M}; found ${img.width}×${img.height}`);
  }
  const H = rgb.height, W = rgb.width, C = 3;
  const gh = H / P, gw = W / P;
  // Rescale + normalise per channel value, in float32 like numpy (x·scale in float64, cast; then (x − mean) / std).
  const m32 = mean.map(Math.fround), s32 = std.map(Math.fround);
  const lut = new Float32Array(256 * C);
  for (let c = 0; c < C; c++) {
    for (let v = 0; v < 256; v++) {
      let x = doRescale ? Math.fround(v * scale) : v;
      if (doNormalize) x = Math.fround(Math.fround(x - m32[c]) / s32[c]);
      lut[c * 256 + v] = x;
    }
  }
  const row = C * T * P * P;
  const out = new Float32Array(gh * gw * row);
  // Row order (gh/M, gw/M, M, M), column order (C, T, P, P): the reshape/permute of §3.6 with grid_t = 1.
  let r = 0;
  for (let bh = 0; bh < gh / M; bh++) {
    for (let bw = 0; bw < gw / M; bw++) {
      for (let mh = 0; mh < M; mh++) {
        for (let mw = 0; mw < M; mw++) {
          const y0 = (bh * M + mh) * P, x0 = (bw * M + mw) * P;
          const base = r * row;
          for (let c = 0; c < C; c++) {
            for (let py = 0; py < P; py++) {
              for (let px = 0; px < P; px++) {
                const v = lut[c * 256 + rgb.data[((y0 + py) * W + x0 + px) * C + c]];
                // Every temporal copy is the same frame (a still image tiled to T frames).
                for (let t = 0; t < T; t++) out[base + ((c * T + t) * P + py) * P + px] = v;
              }
            }
          }
          r++;
        }
      }
    }
  }
  return { pixelValues: out, gridThw: [1, gh, gw] };
}

import type { RawImage } from '@evolmm/core';

/**
 * Resizes 8-bit RGB pixels like Pillow's `Image.resize(size, BICUBIC)` (what HF's Qwen2VLImageProcessor calls,
 * docs/runtime.md §3.6): separable convolution, Keys cubic a = −0.5 widened by the scale when shrinking
 * (antialiasing), coefficients normalised and rounded to 22-bit fixed point, horizontal pass first with the
 * intermediate clipped to 8 bits. Written from Pillow's published algorithm (Resample.c); on this project's
 * machines Pillow was not available to compare against, so treat exact equality as unverified. Sides that are
 * already multiples of 28 within [min, max] pixels are never resized, and are then exact.
 */
const PRECISION_BITS = 22;

function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

function coeffs(inSize: number, outSize: number): { ksize: number; bounds: Int32Array; kk: Int32Array } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 2 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? k[x] / ww : k[x];
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(v: number): number {
  if (v >= 1 << (PRECISION_BITS + 8)) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / (1 << PRECISION_BITS));
}

/** RGB (3-channel) bicubic resize to `width × height`. */
export function resizeBicubicPil(img: RawImage, width: number, height: number): RawImage {
  const C = 3;
  const src = img.channels === 3 ? img.data : dropAlpha(img);
  if (width === img.width && height === img.height) return { width, height, channels: 3, data: src.slice() };
  const half = 1 << (PRECISION_BITS - 1);
  const h = coeffs(img.width, width);
  const v = coeffs(img.height, height);
  const yFirst = v.bounds[0];
  const yLast = v.bounds[height * 2 - 2] + v.bounds[height * 2 - 1];
  // Horizontal pass over the source rows the vertical pass will use.
  let mid: Uint8Array;
  let midRows: number;
  let rowOffset: number;
  if (width !== img.width) {
    midRows = yLast - yFirst;
    rowOffset = yFirst;
    mid = new Uint8Array(midRows * width * C);
    for (let y = 0; y < midRows; y++) {
      const sRow = (y + yFirst) * img.width * C;
      for (let xx = 0; xx < width; xx++) {
        const xmin = h.bounds[xx * 2], xmax = h.bounds[xx * 2 + 1], kb = xx * h.ksize;
        for (let c = 0; c < C; c++) {
          let ss = half;
          for (let x = 0; x < xmax; x++) ss += src[sRow + (x + xmin) * C + c] * h.kk[kb + x];
          mid[(y * width + xx) * C + c] = clip8(ss);
        }
      }
    }
  } else {
    mid = src;
    midRows = img.height;
    rowOffset = 0;
  }
  if (height === img.height) return { width, height, channels: 3, data: mid };
  const out = new Uint8Array(height * width * C);
  for (let yy = 0; yy < height; yy++) {
    const ymin = v.bounds[yy * 2] - rowOffset, ymax = v.bounds[yy * 2 + 1], kb = yy * v.ksize;
    for (let xx = 0; xx < width; xx++) {
      for (let c = 0; c < C; c++) {
        let ss = half;
        for (let y = 0; y < ymax; y++) ss += mid[((y + ymin) * width + xx) * C + c] * v.kk[kb + y];
        out[(yy * width + xx) * C + c] = clip8(ss);
      }
    }
  }
  return { width, height, channels: 3, data: out };
}

/** Interleaved RGBA → RGB (alpha dropped, as core's RawImage contract says). */
export function dropAlpha(img: RawImage): Uint8Array {
  if (img.channels === 3) return img.data;
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[i * 3] = img.data[i * 4];
    out[i * 3 + 1] = img.data[i * 4 + 1];
    out[i * 3 + 2] = img.data[i * 4 + 2];
  }
  return out;
}

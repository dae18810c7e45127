/**
 * Rotary tables computed in JS (cheap, and kept off the gradient tape).
 * Text decoder: M-RoPE (docs/runtime.md §3.3). Vision tower: 2D RoPE (§3.2).
 */

/** inv_freq[j] = 1 / base^(2j / dim), j < dim/2, rounded to fp32 like the reference. */
function invFreq(dim: number, base: number): Float32Array {
  const half = dim / 2;
  const out = new Float32Array(half);
  for (let j = 0; j < half; j++) out[j] = 1 / Math.pow(base, (2 * j) / dim);
  return out;
}

/**
 * cos/sin [T, headDim] for M-RoPE. Dim d uses frequency j = d mod (headDim/2) and takes its position from row
 * i % 3 of chunk i of the split [s0, s1, s2, s0, s1, s2] (t, h, w rows). Text-only rows are equal ⇒ plain RoPE.
 */
export function mropeTables(
  rows: readonly [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>],
  headDim: number,
  theta: number,
  section: readonly [number, number, number],
): { cos: Float32Array; sin: Float32Array; length: number } {
  const T = rows[0].length;
  const half = headDim / 2;
  const inv = invFreq(headDim, theta);
  const rowOfDim = new Int32Array(headDim);
  const chunks = [...section, ...section];
  let d = 0;
  chunks.forEach((size, i) => {
    for (let k = 0; k < size && d < headDim; k++) rowOfDim[d++] = i % 3;
  });
  while (d < headDim) rowOfDim[d++] = 0; // sections not summing to half: remaining dims follow the t row
  const cos = new Float32Array(T * headDim);
  const sin = new Float32Array(T * headDim);
  for (let t = 0; t < T; t++) {
    for (let dd = 0; dd < headDim; dd++) {
      const pos = rows[rowOfDim[dd]][t];
      const ang = Math.fround(pos * inv[dd % half]);
      cos[t * headDim + dd] = Math.cos(ang);
      sin[t * headDim + dd] = Math.sin(ang);
    }
  }
  return { cos, sin, length: T };
}

/**
 * cos/sin [N, headDim] for the vision tower: freqs = concat(tab[hpos], tab[wpos]) (headDim/2), emb = concat(freqs,
 * freqs); tab uses inv_freq over dim headDim/2 with base 10000 (docs/runtime.md §3.2).
 */
export function visionRopeTables(
  hpos: ArrayLike<number>,
  wpos: ArrayLike<number>,
  headDim: number,
): { cos: Float32Array; sin: Float32Array } {
  const N = hpos.length;
  const inv = invFreq(headDim / 2, 10000); // headDim/4 frequencies
  const q = inv.length;
  const cos = new Float32Array(N * headDim);
  const sin = new Float32Array(N * headDim);
  for (let n = 0; n < N; n++) {
    for (let half = 0; half < 2; half++) {
      for (let j = 0; j < 2 * q; j++) {
        const pos = j < q ? hpos[n] : wpos[n];
        const ang = Math.fround(pos * inv[j % q]);
        const o = n * headDim + half * 2 * q + j;
        cos[o] = Math.cos(ang);
        sin[o] = Math.sin(ang);
      }
    }
  }
  return { cos, sin };
}

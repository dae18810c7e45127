import { EvolmmError } from '@evolmm/core';

type Grid = Array<[number, number, number]>;

/**
 * (row, column) of every patch in merge-block order (docs/runtime.md §3.2): the (h, w) grid reshaped
 * (h/m, m, w/m, m), permuted (0, 2, 1, 3), flattened, repeated t times. Indexes the 2-D rotary table.
 */
export function visionRotaryPositions(gridThw: Grid, mergeSize: number): { hpos: Int32Array; wpos: Int32Array } {
  const total = gridThw.reduce((s, [t, h, w]) => s + t * h * w, 0);
  const hpos = new Int32Array(total);
  const wpos = new Int32Array(total);
  let k = 0;
  for (const [t, h, w] of gridThw) {
    if (h % mergeSize || w % mergeSize) throw new EvolmmError('INVALID_ARGUMENT', `grid ${t}×${h}×${w}: h and w must be multiples of the merge size ${mergeSize}`);
    for (let f = 0; f < t; f++)
      for (let bh = 0; bh < h / mergeSize; bh++)
        for (let bw = 0; bw < w / mergeSize; bw++)
          for (let mh = 0; mh < mergeSize; mh++)
            for (let mw = 0; mw < mergeSize; mw++) {
              hpos[k] = bh * mergeSize + mh;
              wpos[k] = bw * mergeSize + mw;
              k++;
            }
  }
  return { hpos, wpos };
}

/**
 * Qwen2.5-VL `get_window_index` (docs/runtime.md §3.2). Merged tokens (h/m × w/m per frame) are grouped into
 * windows of `windowSize / mergeSize / patchSize` merged tokens per side, row-major at both levels; the grid
 * is padded by `vms − n % vms` (a whole empty window row/column even when vms divides n — the reference quirk),
 * pads are dropped. `windowIndex[j]` is the merged token placed at position j. `cuWindowSeqlens` are the window
 * bounds in patches (×m²), after `unique_consecutive` (empty windows removed), starting at 0.
 * `cuWindowSeqlensRaw` keeps the repeats, as get_window_index returns them.
 */
export function windowIndex(
  gridThw: Grid,
  opts: { windowSize: number; patchSize: number; mergeSize: number },
): { windowIndex: Int32Array; cuWindowSeqlens: number[]; cuWindowSeqlensRaw: number[] } {
  const m = opts.mergeSize;
  const vms = Math.floor(Math.floor(opts.windowSize / m) / opts.patchSize);
  if (vms < 1) throw new EvolmmError('INVALID_ARGUMENT', `window_size ${opts.windowSize} is smaller than one merged token (${m * opts.patchSize} px)`);
  const unit = m * m;
  const index: number[] = [];
  const raw = [0];
  let offset = 0;
  for (const [t, h, w] of gridThw) {
    const lh = h / m, lw = w / m;
    const padH = vms - (lh % vms), padW = vms - (lw % vms);
    const nwh = (lh + padH) / vms, nww = (lw + padW) / vms;
    for (let f = 0; f < t; f++) {
      for (let wh = 0; wh < nwh; wh++) {
        for (let ww = 0; ww < nww; ww++) {
          let count = 0;
          for (let y = wh * vms; y < (wh + 1) * vms; y++) {
            for (let x = ww * vms; x < (ww + 1) * vms; x++) {
              if (y < lh && x < lw) {
                index.push(offset + (f * lh + y) * lw + x);
                count++;
              }
            }
          }
          raw.push(raw[raw.length - 1] + count * unit);
        }
      }
    }
    offset += t * lh * lw;
  }
  const cu = raw.filter((v, i) => i === 0 || v !== raw[i - 1]);
  return { windowIndex: Int32Array.from(index), cuWindowSeqlens: cu, cuWindowSeqlensRaw: raw };
}

/** Inverse permutation of `windowIndex` (`argsort`), to undo the window order after the merger. */
export function inversePermutation(perm: Int32Array): Int32Array {
  const inv = new Int32Array(perm.length);
  for (let i = 0; i < perm.length; i++) inv[perm[i]] = i;
  return inv;
}

/** Full-attention bounds in patches: one segment of h·w per frame, `[0, h·w, 2·h·w, …]` (docs/runtime.md §3.2). */
export function cuSeqlens(gridThw: Grid): number[] {
  const cu = [0];
  for (const [t, h, w] of gridThw) for (let f = 0; f < t; f++) cu.push(cu[cu.length - 1] + h * w);
  return cu;
}

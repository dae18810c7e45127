import { type GraphBuilder } from './graph-builder.js';

/** Per-image and per-patch int64 values the vision graph already has (names of graph values). */
export interface PatchIndices {
  /** Grid columns per image, [I]: t (frames), h, w (patches). */
  gt: string;
  gh: string;
  gw: string;
  /** Image of every patch, [P]. */
  img: string;
  /** Patch index inside its image (all frames), [P]. */
  local: string;
  /** Merged-token row / column of the patch in its frame, and its row / column inside the m×m merge block, [P]. */
  bh: string;
  bw: string;
  ih: string;
  iw: string;
  /** Number of patches P, a scalar. */
  numPatches: string;
}

/**
 * Where every patch sits in the padded window layout of Qwen2.5-VL's window-attention blocks (docs/runtime.md §3.2).
 * Each window gets S = (vm·m)² slots; slots without a patch are padding.
 */
export interface WindowLayout {
  /** Slots per window. */
  S: number;
  /** i64[Wn·S]: the patch each slot reads; padding slots read patch 0 (their keys are masked, their queries dropped). */
  slotSrc: string;
  /** i64[P]: the slot of each patch. */
  dst: string;
  /** bool[Wn, 1, 1, S]: the slot holds a patch; keys of padding slots must be masked. */
  keyMask: string;
}

/**
 * Builds the window layout in-graph from the grid, so one graph serves any number of images of any size.
 *
 * Windows are vm×vm merged tokens (vm = window_size / m / patch_size, 4 for real configs) of one frame. A frame of
 * (h/m)×(w/m) merged tokens has ceil((h/m)/vm)·ceil((w/m)/vm) windows, row-major; windows are numbered over all
 * frames of all images in order. HF's get_window_index pads with a whole empty window row/column when vm divides
 * the side and drops empty windows afterwards; the exact ceiling here gives the same non-empty windows, so every
 * window holds at least one patch. Only window membership affects the result (attention inside a window is
 * permutation-equivariant); the slot order is still HF's, so a window's keys are summed in HF's order: merged tokens
 * row-major, then the m² patches of each merged token in processor order —
 * slot = ((bh mod vm)·vm + (bw mod vm))·m² + ih·m + iw.
 */
export function windowLayout(g: GraphBuilder, ix: PatchIndices, m: number, vm: number): WindowLayout {
  const S = vm * m * vm * m;
  const div = (a: string, b: string) => g.op('Div', [a, b]);
  const mod = (a: string, b: string) => g.op('Mod', [a, b]);
  const mul = (a: string, b: string) => g.op('Mul', [a, b]);
  const add = (a: string, b: string) => g.op('Add', [a, b]);
  const at = (perImage: string) => g.op('Gather', [perImage, ix.img], { axis: { i: 0 } }); // [I] → [P]
  const M = g.i64([m], []);
  const VM = g.i64([vm], []);
  const ceilDiv = (a: string, b: number) => div(add(a, g.i64([b - 1], [])), g.i64([b], []));

  // per image: windows per row, per frame, and the first window of the image
  const nCols = ceilDiv(div(ix.gw, M), vm);
  const perFrame = mul(ceilDiv(div(ix.gh, M), vm), nCols);
  const perImage = mul(ix.gt, perFrame);
  const winStart = g.op('Sub', [g.op('CumSum', [perImage, g.i64([0], [])]), perImage]);
  const totalSlots = mul(g.op('ReduceSum', [perImage, g.i64([0])], { keepdims: { i: 1 } }), g.i64([S])); // [1]

  // per patch: window = first window of its frame + window row·nCols + window column
  const frame = div(ix.local, mul(at(ix.gh), at(ix.gw)));
  const frameStart = add(at(winStart), mul(frame, at(perFrame)));
  const window = add(frameStart, add(mul(div(ix.bh, VM), at(nCols)), div(ix.bw, VM)));
  const inWindow = add(mul(mod(ix.bh, VM), VM), mod(ix.bw, VM)); // merged token inside the window, row-major
  const slot = add(mul(inWindow, g.i64([m * m], [])), add(mul(ix.ih, M), ix.iw));
  const dst = add(mul(window, g.i64([S], [])), slot);

  // inverse map: every slot starts as "padding" (P), then each patch writes its own index into its slot
  const p = g.op('Range', [g.i64([0], []), ix.numPatches, g.i64([1], [])]);
  const filled = g.op('Expand', [g.op('Reshape', [ix.numPatches, g.i64([1])]), totalSlots]);
  const inverse = g.op('ScatterElements', [filled, dst, p], { axis: { i: 0 } });
  const keyMask = g.op('Reshape', [g.op('Less', [inverse, ix.numPatches]), g.i64([-1, 1, 1, S])]);
  // padding → patch 0 (P mod P), so the per-block gathers need no appended row
  return { S, slotSrc: g.op('Mod', [inverse, ix.numPatches]), dst, keyMask };
}

/** [P, D] → [Wn·S, D] in window-slot order (padding slots hold a copy of row 0). */
export function toWindows(g: GraphBuilder, layout: WindowLayout, x: string): string {
  return g.op('Gather', [x, layout.slotSrc], { axis: { i: 0 } });
}

/** [Wn·S, D] → [P, D]: each patch reads its slot back; padding slots are dropped. */
export function fromWindows(g: GraphBuilder, layout: WindowLayout, y: string): string {
  return g.op('Gather', [y, layout.dst], { axis: { i: 0 } });
}

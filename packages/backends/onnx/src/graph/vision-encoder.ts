import { EvolmmError } from '@evolmm/core';
import type { QwenVLConfig } from '@evolmm/qwen-vl';
import { DT, type GraphBuilder } from './graph-builder.js';
import { applyRotary, attention, layerNorm, linear, rmsNorm, type WeightSource } from './layers.js';

const VISION_EPS = 1e-6;

/**
 * The `vision_encoder` graph (docs/runtime.md §3.2, §4): pixel_values f32[num_patches, C·T·P·P] (merge-block-major,
 * as the processor emits) and image_grid_thw i64[num_images, 3] (Qwen2-VL: `grid_thw`) → image_features
 * f32[num_patches / merge², out_hidden].
 *
 * Every grid-dependent table — 2D rotary positions, window ids, the per-frame and per-window block-diagonal masks —
 * is computed inside the graph from the grid, so the graph serves any number of images of any size.
 *
 * Window attention without the permutation: Qwen2.5-VL permutes merged tokens window by window, runs blocks whose
 * attention is block-diagonal over contiguous windows, and un-permutes after the merger. Attention restricted to
 * "same window" is permutation-equivariant, norms/MLPs are per token and the merger acts on one merged token (4
 * consecutive patches, which the permutation keeps together), so permuting and un-permuting cancel exactly. The
 * graph therefore keeps the processor's order and masks with "same window id", which equals HF's output up to
 * float summation order.
 */
export function buildVisionEncoder(g: GraphBuilder, src: WeightSource, config: QwenVLConfig): void {
  const v = config.vision;
  const E = v.embedDim;
  const heads = v.numHeads;
  const hd = E / heads;
  const m = v.spatialMergeSize;
  const patchDim = v.inChannels * v.temporalPatchSize * v.patchSize * v.patchSize;
  const isQwen25 = config.variant === 'qwen2.5-vl';
  const gridName = isQwen25 ? 'image_grid_thw' : 'grid_thw'; // transformers.js names (§4)

  const pixels = g.input('pixel_values', ['num_patches', patchDim]);
  const grid = g.input(gridName, ['num_images', 3], DT.INT64);

  // ---- per-patch indices from the grid (all int64) ----
  const col = (i: number) => g.op('Gather', [grid, g.i64([i], [])], { axis: { i: 1 } }); // [I]
  const gh = col(1);
  const gw = col(2);
  const perImage = g.op('Mul', [g.op('Mul', [col(0), gh]), gw]); // t·h·w
  const cumEnd = g.op('CumSum', [perImage, g.i64([0], [])]);
  const start = g.op('Sub', [cumEnd, perImage]);
  const numPatches = g.op('Gather', [g.op('Shape', [pixels]), g.i64([0], [])], { axis: { i: 0 } }); // scalar
  const p = g.op('Range', [g.i64([0], []), numPatches, g.i64([1], [])]); // [P]
  // image index of patch p = number of images that end at or before p
  const ends = g.op('GreaterOrEqual', [g.op('Unsqueeze', [p, g.i64([1])]), g.op('Unsqueeze', [cumEnd, g.i64([0])])]);
  const img = g.op('ReduceSum', [g.op('Cast', [ends], { to: { i: DT.INT64 } }), g.i64([1])], { keepdims: { i: 0 } });
  const hP = g.op('Gather', [gh, img], { axis: { i: 0 } });
  const wP = g.op('Gather', [gw, img], { axis: { i: 0 } });
  const local = g.op('Sub', [p, g.op('Gather', [start, img], { axis: { i: 0 } })]);
  const q = g.op('Mod', [local, g.op('Mul', [hP, wP])]); // index inside its frame
  const div = (a: string, b: string) => g.op('Div', [a, b]);
  const mod = (a: string, b: string) => g.op('Mod', [a, b]);
  const M = g.i64([m], []);
  const MM = g.i64([m * m], []);
  // frame index q = ((bh·(w/m) + bw)·m + ih)·m + iw  (merge-block order, §3.2)
  const iw = mod(q, M);
  const ih = mod(div(q, M), M);
  const wMerged = div(wP, M);
  const bw = mod(div(q, MM), wMerged);
  const bh = div(q, g.op('Mul', [M, wP]));
  const hpos = g.op('Add', [g.op('Mul', [bh, M]), ih]);
  const wpos = g.op('Add', [g.op('Mul', [bw, M]), iw]);
  // Attention groups: a frame of an image (full attention) and, for Qwen2.5-VL, a window inside a frame.
  const frameId = g.op('Sub', [p, q]); // first patch of the frame: unique per (image, frame)
  const sameGroup = (id: string) => g.op('Equal', [g.op('Unsqueeze', [id, g.i64([1])]), g.op('Unsqueeze', [id, g.i64([0])])]);
  const fullMask = sameGroup(frameId);
  let windowMask = fullMask;
  if (isQwen25) {
    if (!v.windowSize) throw new EvolmmError('INVALID_CONFIG', 'Qwen2.5-VL vision_config.window_size is missing');
    const vm = v.windowSize / m / v.patchSize; // merged tokens per window side (112/2/14 = 4)
    const VM = g.i64([vm], []);
    const windowsPerRow = g.op('Add', [div(wMerged, VM), g.i64([1], [])]);
    // window ordinal < (h/m)(w/m) ≤ h·w, so frameId + ordinal never collides with the next frame's id
    const ordinal = g.op('Add', [g.op('Mul', [div(bh, VM), windowsPerRow]), div(bw, VM)]);
    windowMask = sameGroup(g.op('Add', [frameId, ordinal]));
  }

  // ---- 2D rotary table: emb = concat(f, f), f = concat(hpos·inv, wpos·inv), inv over dim hd/2 (§3.2) ----
  const rd = hd / 2;
  const inv: number[] = [];
  for (let j = 0; j < rd; j += 2) inv.push(1 / Math.pow(10000, j / rd));
  const posF = (x: string) => g.op('Mul', [g.op('Unsqueeze', [g.op('Cast', [x], { to: { i: DT.FLOAT } }), g.i64([1])]), g.f32(inv, [1, inv.length])]);
  const f = g.op('Concat', [posF(hpos), posF(wpos)], { axis: { i: 1 } });
  const emb = g.op('Concat', [f, f], { axis: { i: 1 } }); // [P, hd]
  const cos = g.op('Cos', [emb]);
  const sin = g.op('Sin', [emb]);

  // ---- patch embedding: Conv3d with kernel = stride is a matMul with the weight viewed [E, C·T·P·P] (§3.2) ----
  let x = linear(g, src, pixels, 'visual.patch_embed.proj', patchDim, E);

  const norm = (y: string, name: string) =>
    isQwen25 ? rmsNorm(g, src, y, `${name}.weight`, E, VISION_EPS) : layerNorm(g, src, y, name, E, VISION_EPS);
  for (let i = 0; i < v.depth; i++) {
    const b = `visual.blocks.${i}`;
    const full = !isQwen25 || v.fullattBlockIndexes.includes(i);
    const h = norm(x, `${b}.norm1`);
    const qkv = g.op('Transpose', [g.op('Reshape', [linear(g, src, h, `${b}.attn.qkv`, E, 3 * E), g.i64([-1, 3, heads, hd])])], {
      perm: { ints: [1, 2, 0, 3] },
    }); // [3, heads, P, hd]
    const part = (k: number) => g.op('Gather', [qkv, g.i64([k], [])], { axis: { i: 0 } });
    const qh = applyRotary(g, part(0), cos, sin, hd);
    const kh = applyRotary(g, part(1), cos, sin, hd);
    const o = attention(g, qh, kh, part(2), full ? fullMask : windowMask, hd, 3);
    const merged = g.op('Reshape', [g.op('Transpose', [o], { perm: { ints: [1, 0, 2] } }), g.i64([-1, E])]);
    x = g.op('Add', [x, linear(g, src, merged, `${b}.attn.proj`, E, E)]);
    const h2 = norm(x, `${b}.norm2`);
    let mlp: string;
    if (isQwen25) {
      const gate = activation(g, linear(g, src, h2, `${b}.mlp.gate_proj`, E, v.mlpHiddenDim), v.hiddenAct);
      mlp = linear(g, src, g.op('Mul', [gate, linear(g, src, h2, `${b}.mlp.up_proj`, E, v.mlpHiddenDim)]), `${b}.mlp.down_proj`, v.mlpHiddenDim, E);
    } else {
      const fc1 = activation(g, linear(g, src, h2, `${b}.mlp.fc1`, E, v.mlpHiddenDim), v.hiddenAct);
      mlp = linear(g, src, fc1, `${b}.mlp.fc2`, v.mlpHiddenDim, E);
    }
    x = g.op('Add', [x, mlp]);
  }

  // ---- merger: norm, group one m×m block, Linear → exact GELU → Linear (§3.2) ----
  const mergedDim = E * m * m;
  let y = g.op('Reshape', [norm(x, 'visual.merger.ln_q'), g.i64([-1, mergedDim])]);
  y = activation(g, linear(g, src, y, 'visual.merger.mlp.0', mergedDim, mergedDim), 'gelu');
  y = linear(g, src, y, 'visual.merger.mlp.2', mergedDim, v.outHiddenSize);
  g.output(y, 'image_features', ['num_image_tokens', v.outHiddenSize]);
}

/** The activations Qwen2(.5)-VL vision towers use; `gelu` is the exact erf form (HF ACT2FN). */
function activation(g: GraphBuilder, x: string, name: string): string {
  switch (name) {
    case 'silu':
    case 'swish':
      return g.op('Mul', [x, g.op('Sigmoid', [x])]);
    case 'quick_gelu':
      return g.op('Mul', [x, g.op('Sigmoid', [g.op('Mul', [x, g.f32([1.702], [])])])]);
    case 'gelu': {
      const erf = g.op('Erf', [g.op('Mul', [x, g.f32([Math.SQRT1_2], [])])]);
      return g.op('Mul', [g.op('Mul', [x, g.f32([0.5], [])]), g.op('Add', [erf, g.f32([1], [])])]);
    }
    case 'gelu_pytorch_tanh': {
      const inner = g.op('Mul', [
        g.op('Add', [x, g.op('Mul', [g.op('Mul', [g.op('Mul', [x, x]), x]), g.f32([0.044715], [])])]),
        g.f32([Math.sqrt(2 / Math.PI)], []),
      ]);
      return g.op('Mul', [g.op('Mul', [x, g.f32([0.5], [])]), g.op('Add', [g.op('Tanh', [inner]), g.f32([1], [])])]);
    }
    default:
      throw new EvolmmError(
        'UNSUPPORTED',
        `vision hidden_act '${name}' is not supported by the ONNX exporter; expected silu, quick_gelu, gelu or gelu_pytorch_tanh`,
      );
  }
}

import { EvolmmError } from '@evolmm/core';
import type { QwenVLConfig } from '@evolmm/qwen-vl';
import { DT, type GraphBuilder } from './graph-builder.js';
import { applyRotary, layerNorm, linear, rmsNorm, type WeightSource } from './layers.js';
import { biasedAttention, maskBias } from './vision-attention.js';
import { fromWindows, toWindows, windowLayout, type WindowLayout } from './vision-windows.js';

const VISION_EPS = 1e-6;

/**
 * The `vision_encoder` graph (docs/runtime.md §3.2, §4): pixel_values f32[num_patches, C·T·P·P] (merge-block-major,
 * as the processor emits) and image_grid_thw i64[num_images, 3] (Qwen2-VL: `grid_thw`) → image_features
 * f32[num_patches / merge², out_hidden].
 *
 * Every grid-dependent table — 2D rotary positions, the per-frame mask, the window layout — is computed inside the
 * graph from the grid, so the graph serves any number of images of any size.
 *
 * Full-attention blocks (Qwen2-VL: all; Qwen2.5-VL: fullatt_block_indexes) attend within a frame through a P×P
 * "same frame" additive bias; that P² cost is inherent to them.
 *
 * Window blocks (Qwen2.5-VL, the others) run on windows gathered into a padded [windows, heads, S, head_dim] layout
 * (S = 64 patches for real configs, vision-windows.ts): the qkv rows are gathered window by window in HF's order,
 * attention is a batch of S×S products with padding keys masked, and the output rows are gathered back to processor
 * order before attn.proj. The cost is windows·S² instead of P² (docs/performance.md finding 3). HF instead permutes
 * the whole stream once and un-permutes after the merger; attention within a window is permutation-equivariant and
 * norms/MLPs are per token, so gathering around each window attention is the same computation up to float
 * summation order. Padding slots hold copies of patch 0: masked as keys, and their query rows are never gathered
 * back.
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
  const gt = col(0);
  const gh = col(1);
  const gw = col(2);
  const perImage = g.op('Mul', [g.op('Mul', [gt, gh]), gw]); // t·h·w
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
  const isFull = (i: number) => !isQwen25 || v.fullattBlockIndexes.includes(i);
  const blocks = Array.from({ length: v.depth }, (_, i) => i);
  // Full attention: one group per frame of an image (cu_seqlens, §3.2).
  let fullBias = '';
  if (blocks.some(isFull)) {
    const frameId = g.op('Sub', [p, q]); // first patch of the frame: unique per (image, frame)
    fullBias = maskBias(g, g.op('Equal', [g.op('Unsqueeze', [frameId, g.i64([1])]), g.op('Unsqueeze', [frameId, g.i64([0])])])); // [P, P]
  }
  let layout: WindowLayout | null = null;
  if (!blocks.every(isFull)) {
    if (!v.windowSize) {
      throw new EvolmmError('INVALID_CONFIG', 'Qwen2.5-VL vision_config.window_size is missing or 0; expected the window side in pixels (112 in released checkpoints)');
    }
    const vm = Math.floor(v.windowSize / m / v.patchSize); // merged tokens per window side (112/2/14 = 4)
    if (vm < 1) {
      throw new EvolmmError('INVALID_CONFIG', `vision_config.window_size ${v.windowSize} is smaller than one merged token (${m * v.patchSize} px); expected at least that`);
    }
    layout = windowLayout(g, { gt, gh, gw, img, local, bh, bw, ih, iw, numPatches }, m, vm);
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
  const fullAttention = (qkv: string): string => {
    const parts = g.op('Transpose', [g.op('Reshape', [qkv, g.i64([-1, 3, heads, hd])])], { perm: { ints: [1, 2, 0, 3] } }); // [3, heads, P, hd]
    const part = (k: number) => g.op('Gather', [parts, g.i64([k], [])], { axis: { i: 0 } });
    const o = biasedAttention(g, applyRotary(g, part(0), cos, sin, hd), applyRotary(g, part(1), cos, sin, hd), part(2), fullBias, hd, 3);
    return g.op('Reshape', [g.op('Transpose', [o], { perm: { ints: [1, 0, 2] } }), g.i64([-1, E])]); // [P, E]
  };
  // Per-graph window tables: rotary in window-slot order [Wn, 1, S, hd] and the padding-key bias [Wn, 1, 1, S].
  const win = layout && {
    layout,
    cos: g.op('Reshape', [toWindows(g, layout, cos), g.i64([-1, 1, layout.S, hd])]),
    sin: g.op('Reshape', [toWindows(g, layout, sin), g.i64([-1, 1, layout.S, hd])]),
    keyBias: maskBias(g, layout.keyMask),
  };
  const windowAttention = (qkv: string, w: NonNullable<typeof win>): string => {
    const rows = g.op('Reshape', [toWindows(g, w.layout, qkv), g.i64([-1, w.layout.S, 3, heads, hd])]); // [Wn, S, 3, heads, hd]
    const parts = g.op('Transpose', [rows], { perm: { ints: [2, 0, 3, 1, 4] } }); // [3, Wn, heads, S, hd]
    const part = (k: number) => g.op('Gather', [parts, g.i64([k], [])], { axis: { i: 0 } });
    const o = biasedAttention(g, applyRotary(g, part(0), w.cos, w.sin, hd), applyRotary(g, part(1), w.cos, w.sin, hd), part(2), w.keyBias, hd, 4);
    const slots = g.op('Reshape', [g.op('Transpose', [o], { perm: { ints: [0, 2, 1, 3] } }), g.i64([-1, E])]); // [Wn·S, E]
    return fromWindows(g, w.layout, slots); // [P, E]
  };

  for (const i of blocks) {
    const b = `visual.blocks.${i}`;
    const h = norm(x, `${b}.norm1`);
    const qkv = linear(g, src, h, `${b}.attn.qkv`, E, 3 * E); // [P, 3·E] = [P, 3, heads, hd]
    const merged = isFull(i) || !win ? fullAttention(qkv) : windowAttention(qkv, win);
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

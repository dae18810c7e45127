import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors, type TensorToWrite } from '@evolmm/qwen-vl';
import { exportOnnx } from '../export-onnx.js';
import { loadOnnxModel } from '../onnx-model.js';
import { quantizeBlocks8 } from './graph-builder.js';
import { imagePrompt, maxAbsDiff, quiet, scratch, tinyExport, VARIANTS } from '../__fixtures__/tiny.js';

const tmp = scratch('int8');
afterAll(() => tmp.cleanup());

describe('quantizeBlocks8', () => {
  it('round-trips within half a step per block, pads short blocks with the zero code', () => {
    const w = Float32Array.from({ length: 3 * 40 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 7)));
    const { blocks, scales, blockSize, nBlocks } = quantizeBlocks8(w, 3, 40);
    expect([blockSize, nBlocks]).toEqual([32, 2]);
    for (let o = 0; o < 3; o++)
      for (let i = 0; i < 40; i++) {
        const b = Math.floor(i / 32);
        const s = scales[o * 2 + b];
        const code = blocks[(o * 2 + b) * 32 + (i % 32)];
        expect(Math.abs((code - 128) * s - w[o * 40 + i])).toBeLessThanOrEqual(s / 2 + 1e-7);
      }
    expect(blocks[(0 * 2 + 1) * 32 + 8]).toBe(128); // input 40 does not exist: padding
  });
});

/**
 * The int8 graphs must compute exactly the fp32 model whose linear weights are the dequantized codes: this pins the
 * MatMulNBits layout (row order, block size, zero point 128) independently of the quantization error itself.
 */
describe.each(VARIANTS)('int8 export (%s)', (variant) => {
  it('equals an fp32 export of the dequantized weights (fp32 activations); int8 activations stay close', async () => {
    const { hf } = await tinyExport(tmp.dir, variant, {
      checkpoint: { text: { tieWordEmbeddings: false } },
      export: { dtype: 'int8', int8Activations: 'fp32' },
      name: variant,
    });
    await exportOnnx(hf, join(tmp.dir, `onnx-act8-${variant}`), { dtype: 'int8' });
    const deq = join(tmp.dir, `hf-deq-${variant}`);
    cpSync(hf, deq, { recursive: true });
    const tensors: TensorToWrite[] = [];
    for (const [name, t] of readSafetensors(join(hf, 'model.safetensors')).tensors) {
      let data = t.data;
      if (t.shape.length >= 2 && name !== 'model.embed_tokens.weight') {
        const out = t.shape[0];
        const inDim = data.length / out;
        const { blocks, scales, nBlocks } = quantizeBlocks8(data, out, inDim);
        data = new Float32Array(data.length);
        for (let o = 0; o < out; o++) for (let i = 0; i < inDim; i++) data[o * inDim + i] = (blocks[(o * nBlocks) * 32 + i] - 128) * scales[o * nBlocks + Math.floor(i / 32)];
      }
      tensors.push({ name, dtype: 'F32', shape: t.shape, data });
    }
    await writeSafetensors(join(deq, 'model.safetensors'), tensors);
    await exportOnnx(deq, join(tmp.dir, `onnx-deq-${variant}`));
    const q = await loadOnnxModel(join(tmp.dir, `onnx-${variant}`), { ...quiet, dtype: 'int8' });
    const d = await loadOnnxModel(join(tmp.dir, `onnx-deq-${variant}`), quiet);
    const prepared = await q.processor.prepare(imagePrompt());
    const lq = (await q.forwardLogits(prepared)).logits;
    const ld = (await d.forwardLogits(prepared)).logits;
    expect(maxAbsDiff(lq, ld)).toBeLessThan(1e-4);
    const a8 = await loadOnnxModel(join(tmp.dir, `onnx-act8-${variant}`), { ...quiet, dtype: 'int8' });
    const la8 = (await a8.forwardLogits(prepared)).logits;
    const actErr = maxAbsDiff(la8, ld);
    expect(actErr).toBeGreaterThan(0); // activations really are quantized
    expect(actErr).toBeLessThan(0.05 * ld.reduce((m, x) => Math.max(m, Math.abs(x)), 0));
    await Promise.all([q.dispose(), d.dispose(), a8.dispose()]);
  });
});

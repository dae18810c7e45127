import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeJsonAtomic } from '@evolmm/core';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './dtype.js';
import { readSafetensors, SafetensorsFile } from './safetensors-reader.js';
import { writeSafetensors } from './safetensors-writer.js';
import { openWeights } from './weight-store.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qvl-st-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const vals = Float32Array.from({ length: 24 }, (_, i) => (i - 11.5) * 0.37);

/** An independent parse straight from the format description (docs/runtime.md §8). */
function parseRaw(file: string) {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  return { n, header, data: buf.subarray(8 + n) };
}

describe('safetensors writer + reader', () => {
  it('round-trips F32 / BF16 / F16 / I64 / I32 / U8 with metadata, in the documented byte layout', async () => {
    const file = path.join(tmp, 'a.safetensors');
    await writeSafetensors(
      file,
      [
        { name: 'w.f32', dtype: 'F32', shape: [2, 3, 4], data: vals },
        { name: 'w.bf16', dtype: 'BF16', shape: [24], data: vals },
        { name: 'w.f16', dtype: 'F16', shape: [4, 6], data: vals },
        { name: 'i64', dtype: 'I64', shape: [3], data: BigInt64Array.of(-5n, 0n, 1234567n) },
        { name: 'i32', dtype: 'I32', shape: [2], data: Int32Array.of(-7, 9) },
        { name: 'u8', dtype: 'U8', shape: [3], data: Uint8Array.of(0, 7, 255) },
      ],
      { format: 'pt', note: 'hello' },
    );
    const raw = parseRaw(file);
    expect((8 + raw.n) % 8).toBe(0);
    expect(raw.header.__metadata__).toEqual({ format: 'pt', note: 'hello' });
    // Contiguous, no holes, 8-byte element types first.
    const spans = Object.entries(raw.header).filter(([k]) => k !== '__metadata__').map(([, v]) => (v as { data_offsets: number[] }).data_offsets).sort((a, b) => a[0] - b[0]);
    expect(spans[0][0]).toBe(0);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBe(spans[i - 1][1]);
    expect(spans.at(-1)![1]).toBe(raw.data.length);
    expect(raw.header.i64.data_offsets[0]).toBe(0);
    // Raw bytes: the f32 tensor is little-endian float32 of the input; bf16 the upper halves.
    const f32Off = raw.header['w.f32'].data_offsets[0];
    expect(raw.data.readFloatLE(f32Off + 4 * 5)).toBe(vals[5]);
    const bfOff = raw.header['w.bf16'].data_offsets[0];
    expect(raw.data.readUInt16LE(bfOff + 2 * 7)).toBe(f32ToBf16(vals)[7]);

    const { tensors, metadata } = readSafetensors(file);
    expect(metadata.note).toBe('hello');
    expect(tensors.get('w.f32')!.shape).toEqual([2, 3, 4]);
    expect([...tensors.get('w.f32')!.data]).toEqual([...vals]);
    expect([...tensors.get('w.bf16')!.data]).toEqual([...bf16ToF32(f32ToBf16(vals))]);
    expect([...tensors.get('w.f16')!.data]).toEqual([...f16ToF32(f32ToF16(vals))]);
    expect(tensors.get('w.bf16')!.dtype).toBe('BF16');
    expect([...tensors.get('i64')!.data]).toEqual([-5, 0, 1234567]);
    expect([...tensors.get('i32')!.data]).toEqual([-7, 9]);
    expect([...tensors.get('u8')!.data]).toEqual([0, 7, 255]);
    // bf16 within its precision of the original
    for (let i = 0; i < vals.length; i++) expect(Math.abs(tensors.get('w.bf16')!.data[i] - vals[i])).toBeLessThanOrEqual(Math.abs(vals[i]) * 2 ** -8);
  });

  it('writes atomically: no temp files left, an existing file replaced whole', async () => {
    const file = path.join(tmp, 'b.safetensors');
    await writeSafetensors(file, [{ name: 'x', dtype: 'F32', shape: [1], data: Float32Array.of(1) }]);
    await writeSafetensors(file, [{ name: 'y', dtype: 'F32', shape: [2], data: Float32Array.of(2, 3) }]);
    expect(readSafetensors(file).tensors.has('x')).toBe(false);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('rejects bad input and corrupt files with clear errors', async () => {
    await expect(writeSafetensors(path.join(tmp, 'c.safetensors'), [{ name: 'x', dtype: 'F32', shape: [3], data: Float32Array.of(1) }])).rejects.toThrow(/3 elements but data has 1/);
    expect(fs.existsSync(path.join(tmp, 'c.safetensors'))).toBe(false);
    const file = path.join(tmp, 'd.safetensors');
    await writeSafetensors(file, [{ name: 'x', dtype: 'F32', shape: [4], data: new Float32Array(4) }]);
    fs.truncateSync(file, fs.statSync(file).size - 4);
    expect(() => new SafetensorsFile(file)).toThrow(/truncated or corrupt/);
    fs.writeFileSync(path.join(tmp, 'e.safetensors'), Buffer.from('garbage!garbage!'));
    expect(() => new SafetensorsFile(path.join(tmp, 'e.safetensors'))).toThrow(/header/);
  });
});

describe('openWeights', () => {
  const a = Float32Array.from({ length: 6 }, (_, i) => i + 0.5);
  const b = Float32Array.of(1, -1, -2, -3);

  it('reads a sharded folder through model.safetensors.index.json, mapping new-style names to canonical ones', async () => {
    const dir = path.join(tmp, 'sharded');
    await writeSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), [{ name: 'model.visual.blocks.0.norm1.weight', dtype: 'F32', shape: [2, 3], data: a }]);
    await writeSafetensors(path.join(dir, 'model-00002-of-00002.safetensors'), [
      { name: 'model.language_model.layers.0.input_layernorm.weight', dtype: 'BF16', shape: [4], data: b },
      { name: 'lm_head.weight', dtype: 'F16', shape: [4], data: b },
    ]);
    writeJsonAtomic(path.join(dir, 'model.safetensors.index.json'), {
      metadata: { total_size: 40 },
      weight_map: {
        'model.visual.blocks.0.norm1.weight': 'model-00001-of-00002.safetensors',
        'model.language_model.layers.0.input_layernorm.weight': 'model-00002-of-00002.safetensors',
        'lm_head.weight': 'model-00002-of-00002.safetensors',
      },
    });
    const w = openWeights(dir);
    expect(w.names).toEqual(['lm_head.weight', 'model.layers.0.input_layernorm.weight', 'visual.blocks.0.norm1.weight']);
    expect(w.info('visual.blocks.0.norm1.weight')).toEqual({ name: 'visual.blocks.0.norm1.weight', dtype: 'F32', shape: [2, 3] });
    expect([...w.readFloat32('visual.blocks.0.norm1.weight')]).toEqual([...a]);
    expect([...w.readFloat32('model.layers.0.input_layernorm.weight')]).toEqual([1, -1, -2, -3]);
    expect(w.info('model.layers.0.input_layernorm.weight').dtype).toBe('BF16');
    expect([...w.readFloat32('lm_head.weight')]).toEqual([1, -1, -2, -3]);
    expect(w.has('model.visual.blocks.0.norm1.weight')).toBe(true); // stored names resolve too
    expect(w.has('model.embed_tokens.weight')).toBe(false);
    expect(() => w.readFloat32('model.embed_tokens.weight')).toThrow(/no tensor model.embed_tokens.weight/);
    w.close();
  });

  it('explains what is missing', () => {
    expect(() => openWeights(path.join(tmp, 'nope'))).toThrow(/does not exist/);
    fs.mkdirSync(path.join(tmp, 'empty'));
    expect(() => openWeights(path.join(tmp, 'empty'))).toThrow(/neither model.safetensors nor model.safetensors.index.json/);
  });
});

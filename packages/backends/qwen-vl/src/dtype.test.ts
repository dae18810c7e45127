import { describe, expect, it } from 'vitest';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './dtype.js';

describe('dtype conversions', () => {
  it('bf16 ↔ f32 known bit patterns and round-to-nearest-even', () => {
    expect([...f32ToBf16(Float32Array.of(1, -2, 0, 3.140625))]).toEqual([0x3f80, 0xc000, 0, 0x4049]);
    // 1 + 2^-8 is exactly halfway between bf16 1 and 1 + 2^-7: ties to even (1.0); 1 + 3·2^-8 ties up to 1 + 2^-6.
    expect([...bf16ToF32(f32ToBf16(Float32Array.of(1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20)))]).toEqual([1, 1 + 2 ** -6, 1 + 2 ** -7]);
    expect(Number.isNaN(bf16ToF32(f32ToBf16(Float32Array.of(NaN)))[0])).toBe(true);
  });

  it('every bf16 value survives bf16 → f32 → bf16 (NaNs stay NaN)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = f32ToBf16(bf16ToF32(all));
    for (let i = 0; i < 65536; i++) {
      const isNaN = (i & 0x7f80) === 0x7f80 && (i & 0x7f) !== 0;
      if (isNaN) expect(Number.isNaN(bf16ToF32(Uint16Array.of(back[i]))[0])).toBe(true);
      else if (back[i] !== i) expect.fail(`bf16 ${i.toString(16)} came back as ${back[i].toString(16)}`);
    }
  });

  it('f16 known values: 1, max, min subnormal, infinity, rounding', () => {
    expect([...f32ToF16(Float32Array.of(1, -2, 65504, 2 ** -24, 1e6, 0.1))]).toEqual([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x2e66]);
    expect([...f16ToF32(Uint16Array.of(0x3c00, 0x7bff, 0x0001, 0x0400, 0xfc00))]).toEqual([1, 65504, 2 ** -24, 2 ** -14, -Infinity]);
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even.
    expect(f32ToF16(Float32Array.of(1 + 2 ** -11))[0]).toBe(0x3c00);
    expect(f32ToF16(Float32Array.of(1 + 3 * 2 ** -11))[0]).toBe(0x3c02);
  });

  it('every f16 value survives f16 → f32 → f16 and matches the formula value', () => {
    for (let i = 0; i < 65536; i++) {
      const exp = (i >> 10) & 0x1f;
      if (exp === 0x1f && (i & 0x3ff)) continue; // NaN payloads
      const f = f16ToF32(Uint16Array.of(i))[0];
      const sign = i & 0x8000 ? -1 : 1;
      const expected = exp === 0 ? sign * (i & 0x3ff) * 2 ** -24 : exp === 0x1f ? sign * Infinity : sign * (1 + (i & 0x3ff) / 1024) * 2 ** (exp - 15);
      if (f !== expected) expect.fail(`f16 ${i} → ${f}, expected ${expected}`);
      const back = f32ToF16(Float32Array.of(f))[0];
      if (back !== i) expect.fail(`f16 ${i.toString(16)} came back as ${back.toString(16)}`);
    }
  });
});

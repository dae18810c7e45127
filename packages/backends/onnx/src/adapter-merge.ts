import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvolmmError } from '@evolmm/core';
import { readSafetensors } from '@evolmm/qwen-vl';
import type { WeightSource } from './graph/layers.js';

/** One LoRA pair for a base linear weight `[out, in]`: ΔW = scale · B·A, A `[r, in]`, B `[out, r]`. */
interface LoraPair {
  a?: { shape: number[]; data: Float32Array };
  b?: { shape: number[]; data: Float32Array };
}

/** A PEFT adapter folder read into memory (adapters are small: a few MB for r = 16 on 3B). */
export interface LoraAdapter {
  /** α/r, or α/√r with use_rslora (PEFT's rule). */
  readonly scale: number;
  /** Canonical base weight name (e.g. `model.layers.0.self_attn.q_proj.weight`) → the pair. */
  readonly pairs: ReadonlyMap<string, Required<LoraPair>>;
}

/**
 * Maps a PEFT tensor name to the canonical base weight name and the A/B role:
 * `base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight` → [`model.layers.3.self_attn.q_proj.weight`, 'a'].
 * Newer layouts (`model.language_model.`, `model.visual.`) map to the classic names as the weight store does.
 */
export function peftTargetName(name: string): { base: string; role: 'a' | 'b' } | null {
  const m = /^(?:base_model\.model\.)?(.+)\.lora_([AB])(?:\.default)?\.weight$/.exec(name);
  if (!m) return null;
  let base = m[1];
  if (base.startsWith('model.language_model.')) base = `model.${base.slice('model.language_model.'.length)}`;
  else if (base.startsWith('model.visual.')) base = `visual.${base.slice('model.visual.'.length)}`;
  return { base: `${base}.weight`, role: m[2] === 'A' ? 'a' : 'b' };
}

/** Reads adapter_config.json + adapter_model.safetensors (the PEFT layout, DESIGN.md §3). */
export function readLoraAdapter(dir: string): LoraAdapter {
  const cfgPath = join(dir, 'adapter_config.json');
  const wPath = join(dir, 'adapter_model.safetensors');
  for (const p of [cfgPath, wPath]) {
    if (!existsSync(p)) {
      throw new EvolmmError('NOT_FOUND', `adapter folder ${dir} has no ${p.slice(dir.length + 1)}; expected a PEFT LoRA folder (adapter_config.json + adapter_model.safetensors)`, { details: { path: p } });
    }
  }
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as { r?: number; lora_alpha?: number; use_rslora?: boolean; peft_type?: string };
  if (cfg.peft_type !== undefined && cfg.peft_type !== 'LORA') {
    throw new EvolmmError('UNSUPPORTED', `${cfgPath}: peft_type is '${cfg.peft_type}'; only LORA adapters can be merged`);
  }
  if (!(typeof cfg.r === 'number' && cfg.r > 0 && typeof cfg.lora_alpha === 'number')) {
    throw new EvolmmError('INVALID_CONFIG', `${cfgPath} must give a positive "r" and a numeric "lora_alpha"; found r=${cfg.r}, lora_alpha=${cfg.lora_alpha}`);
  }
  const scale = cfg.use_rslora ? cfg.lora_alpha / Math.sqrt(cfg.r) : cfg.lora_alpha / cfg.r;
  const pairs = new Map<string, LoraPair>();
  const { tensors } = readSafetensors(wPath);
  for (const [name, t] of tensors) {
    const target = peftTargetName(name);
    if (!target) {
      throw new EvolmmError('UNSUPPORTED', `${wPath}: tensor '${name}' is not a LoRA A/B weight; only plain LoRA adapters (no modules_to_save, no DoRA) can be merged`);
    }
    const pair = pairs.get(target.base) ?? {};
    pair[target.role] = { shape: t.shape, data: t.data };
    pairs.set(target.base, pair);
  }
  for (const [base, pair] of pairs) {
    if (!pair.a || !pair.b) throw new EvolmmError('MODEL_FORMAT', `${wPath}: ${base} has lora_${pair.a ? 'A' : 'B'} but not lora_${pair.a ? 'B' : 'A'}`);
  }
  return { scale, pairs: pairs as Map<string, Required<LoraPair>> };
}

/**
 * A weight source that returns W + scale·B·A for adapted weights and the base weight otherwise. Every adapter
 * target must exist in the base with matching shape, so a mismatched adapter fails before export starts.
 */
export function mergeLora(base: WeightSource, adapter: LoraAdapter): WeightSource {
  for (const [name, { a, b }] of adapter.pairs) {
    if (!base.has(name)) throw new EvolmmError('MODEL_FORMAT', `adapter targets '${name}', which the base checkpoint does not have; was the adapter trained on this model?`);
    const [out, inDim] = base.info(name).shape;
    const r = a.shape[0];
    if (a.shape[1] !== inDim || b.shape[0] !== out || b.shape[1] !== r) {
      throw new EvolmmError('MODEL_FORMAT', `adapter for '${name}': A [${a.shape}] and B [${b.shape}] do not fit the base weight [${out}, ${inDim}]`);
    }
  }
  return {
    has: (name) => base.has(name),
    info: (name) => base.info(name),
    readFloat32(name) {
      const w = base.readFloat32(name);
      const pair = adapter.pairs.get(name);
      if (!pair) return w;
      const merged = Float32Array.from(w);
      const [out, inDim] = base.info(name).shape;
      const r = pair.a.shape[0];
      const A = pair.a.data;
      const B = pair.b.data;
      // Accumulate B·A in float64 per row, then add once: the merged weight differs from W + s·BA only by the final
      // float32 rounding.
      const row = new Float64Array(inDim);
      for (let o = 0; o < out; o++) {
        row.fill(0);
        for (let k = 0; k < r; k++) {
          const bk = B[o * r + k];
          if (bk === 0) continue;
          const aRow = k * inDim;
          for (let i = 0; i < inDim; i++) row[i] += bk * A[aRow + i];
        }
        const base0 = o * inDim;
        for (let i = 0; i < inDim; i++) merged[base0 + i] = w[base0 + i] + adapter.scale * row[i];
      }
      return merged;
    },
  };
}

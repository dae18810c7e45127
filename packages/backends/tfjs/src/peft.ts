import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EvolmmError, writeJsonAtomic } from '@evolmm/core';
import { openWeights, readSafetensors, writeSafetensors, type TensorToWrite } from '@evolmm/qwen-vl';
import { LORA_PROJECTIONS, loraScale, moduleKey, peftMatrices, resolveTargets, type LoraAdapter, type LoraModule } from './lora.js';

const ATTN = new Set(['q_proj', 'k_proj', 'v_proj', 'o_proj']);

/** Canonical module path of a decoder projection (classic HF names, docs/runtime.md §8). */
export function modulePath(layer: number, proj: string): string {
  return `model.layers.${layer}.${ATTN.has(proj) ? 'self_attn' : 'mlp'}.${proj}`;
}

/** PEFT key of a LoRA matrix: base_model.model.<module>.lora_{A,B}.weight (no adapter name, as PEFT saves). */
export function peftKey(layer: number, proj: string, which: 'A' | 'B'): string {
  return `base_model.model.${modulePath(layer, proj)}.lora_${which}.weight`;
}

/**
 * PEFT `target_modules` as a full-match regex over module names, restricted to the language model: a plain list
 * like ["gate_proj", ...] would also hit the Qwen2.5-VL vision MLPs in PEFT (docs/method.md §9 D5).
 */
export function targetRegex(targets: readonly string[]): string {
  const attn = targets.filter((t) => ATTN.has(t)).map((t) => t.replace('_proj', ''));
  const mlp = targets.filter((t) => !ATTN.has(t)).map((t) => t.replace('_proj', ''));
  const alts: string[] = [];
  if (attn.length) alts.push(`self_attn\\.(${attn.join('|')})_proj`);
  if (mlp.length) alts.push(`mlp\\.(${mlp.join('|')})_proj`);
  return `.*model\\.(language_model\\.)?layers\\.\\d+\\.(${alts.join('|')})`;
}

/** Projections named by a PEFT target_modules value (list or regex string). */
function targetsFromConfig(tm: unknown): string[] {
  if (Array.isArray(tm)) return tm.map(String);
  if (typeof tm === 'string') return LORA_PROJECTIONS.filter((p) => tm.includes(p.replace('_proj', '')));
  return [...LORA_PROJECTIONS];
}

export async function saveAdapterPeft(a: LoraAdapter, dir: string, baseModel: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const tensors: TensorToWrite[] = [];
  for (const [key, m] of a.modules) {
    const [layer, proj] = splitKey(key);
    const p = peftMatrices(m);
    tensors.push({ name: peftKey(layer, proj, 'A'), dtype: 'F32', shape: p.aShape, data: p.a });
    tensors.push({ name: peftKey(layer, proj, 'B'), dtype: 'F32', shape: p.bShape, data: p.b });
  }
  await writeSafetensors(path.join(dir, 'adapter_model.safetensors'), tensors, { format: 'pt' });
  writeJsonAtomic(path.join(dir, 'adapter_config.json'), {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: a.rank,
    lora_alpha: a.alpha,
    lora_dropout: a.dropout,
    target_modules: targetRegex(a.targets),
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    use_rslora: false,
    use_dora: false,
    revision: null,
  });
}

export interface PeftAdapterData {
  rank: number;
  alpha: number;
  dropout: number;
  targets: string[];
  /** key `${layer}.${proj}` → A [r,in] and B [out,r] as flat arrays */
  modules: Map<string, { a: Float32Array; aShape: number[]; b: Float32Array; bShape: number[] }>;
}

/** Reads a PEFT LoRA folder (classic or `model.language_model.` module names). */
export function readAdapterPeft(dir: string): PeftAdapterData {
  const cfgFile = path.join(dir, 'adapter_config.json');
  const wFile = path.join(dir, 'adapter_model.safetensors');
  if (!fs.existsSync(cfgFile) || !fs.existsSync(wFile)) {
    throw new EvolmmError('NOT_FOUND', `${dir} is not a PEFT adapter folder; expected adapter_config.json and adapter_model.safetensors`);
  }
  const cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
  if (cfg.peft_type !== undefined && cfg.peft_type !== 'LORA') {
    throw new EvolmmError('UNSUPPORTED', `${cfgFile} has peft_type ${String(cfg.peft_type)}; only LORA adapters are supported`);
  }
  const rank = Number(cfg.r);
  const alpha = Number(cfg.lora_alpha ?? rank);
  const { tensors } = readSafetensors(wFile);
  const modules: PeftAdapterData['modules'] = new Map();
  const re = /^base_model\.model\.model\.(?:language_model\.)?layers\.(\d+)\.(?:self_attn|mlp)\.(\w+_proj)\.lora_([AB])(?:\.[\w-]+)?\.weight$/;
  for (const [name, t] of tensors) {
    const m = re.exec(name);
    if (!m) {
      throw new EvolmmError('UNSUPPORTED', `adapter tensor '${name}' is not a LoRA matrix of a language-model projection; vision or embedding adapters are not supported`);
    }
    const key = moduleKey(Number(m[1]), m[2]);
    const e = modules.get(key) ?? { a: new Float32Array(), aShape: [], b: new Float32Array(), bShape: [] };
    if (m[3] === 'A') {
      e.a = t.data;
      e.aShape = t.shape;
    } else {
      e.b = t.data;
      e.bShape = t.shape;
    }
    modules.set(key, e);
  }
  return {
    rank,
    alpha,
    dropout: Number(cfg.lora_dropout ?? 0),
    targets: resolveTargets(targetsFromConfig(cfg.target_modules)),
    modules,
  };
}

export function splitKey(key: string): [number, string] {
  const i = key.indexOf('.');
  return [Number(key.slice(0, i)), key.slice(i + 1)];
}

/**
 * Writes a full HF model folder with W' = W + (α/r)·B·A for every adapted projection; other tensors are copied in
 * their stored dtype, and every non-weight file (config, tokenizer, processor, template) is copied as is.
 */
export async function mergeAdapterInto(srcDir: string, a: LoraAdapter, outDir: string): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of fs.readdirSync(srcDir)) {
    const full = path.join(srcDir, f);
    if (f.endsWith('.safetensors') || f === 'model.safetensors.index.json' || !fs.statSync(full).isFile()) continue;
    fs.copyFileSync(full, path.join(outDir, f));
  }
  const store = openWeights(srcDir);
  const scale = loraScale(a);
  const tensors: TensorToWrite[] = [];
  try {
    const byPath = new Map<string, LoraModule>();
    for (const [key, m] of a.modules) {
      const [layer, proj] = splitKey(key);
      byPath.set(`${modulePath(layer, proj)}.weight`, m);
    }
    for (const name of store.names) {
      const info = store.info(name);
      const m = byPath.get(name);
      if (!m) {
        const bytes = store.readBytes(name);
        const data =
          info.dtype === 'F32'
            ? new Float32Array(bytes.slice().buffer)
            : info.dtype === 'BF16' || info.dtype === 'F16'
              ? new Uint16Array(bytes.slice().buffer)
              : store.readFloat32(name);
        tensors.push({ name, dtype: info.dtype === 'F32' || info.dtype === 'BF16' || info.dtype === 'F16' ? info.dtype : 'F32', shape: info.shape, data });
        continue;
      }
      const merged = tf.tidy(() => {
        const w = tf.tensor(store.readFloat32(name), info.shape);
        return tf.add(w, tf.mul(tf.transpose(tf.matMul(m.a, m.b)), scale)); // B·A = (Aᵀ·Bᵀ)ᵀ
      });
      tensors.push({ name, dtype: info.dtype === 'BF16' || info.dtype === 'F16' ? info.dtype : 'F32', shape: info.shape, data: merged.dataSync() as Float32Array });
      merged.dispose();
    }
  } finally {
    store.close();
  }
  await writeSafetensors(path.join(outDir, 'model.safetensors'), tensors, { format: 'pt' });
}

import { EVOLMM_DEFAULTS } from '../evolmm-defaults.js';

export interface AdaptiveBetaOptions {
  readonly klTarget?: number;
  readonly klAdaptRate?: number;
  readonly betaMin?: number;
  readonly betaMax?: number;
}

/**
 * docs/method.md §6.2: after every optimiser step β ← clip(β · exp(rate · (KL − target) / target), βmin, βmax).
 * A non-finite KL leaves β unchanged (a policy that could not measure it must not poison β).
 */
export function adaptBeta(beta: number, kl: number, options: AdaptiveBetaOptions = {}): number {
  const target = options.klTarget ?? EVOLMM_DEFAULTS.klTarget;
  const rate = options.klAdaptRate ?? EVOLMM_DEFAULTS.klAdaptRate;
  const lo = options.betaMin ?? EVOLMM_DEFAULTS.betaMin;
  const hi = options.betaMax ?? EVOLMM_DEFAULTS.betaMax;
  if (!Number.isFinite(kl)) return beta;
  const next = beta * Math.exp((rate * (kl - target)) / target);
  return Math.min(hi, Math.max(lo, next));
}

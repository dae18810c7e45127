/**
 * Every EvoLMM constant, stated once (docs/method.md §4–§6). Other packages import these; nothing else in the
 * project writes these numbers down.
 */
export const EVOLMM_DEFAULTS = {
  /** Solver samples per question. */
  n: 5,
  /** Solver reward r_i = p_i^γ · (1 − λ_len · pen_i). */
  gamma: 0.7,
  /** Length-penalty word threshold τ (τ := max(1, τ)). */
  tau: 6,
  lambdaLen: 0.1,
  /** Clip the length penalty at 1 (reference code); the paper leaves it unclipped. */
  clipLengthPenalty: true,
  /** Proposer reward exp(−(H − μ_H)² / (2σ_H²)), H in nats. */
  muH: 0.9,
  sigmaH: 0.35,
  /** KL coefficient β: init, target KL, adapt rate, clip range. β ← clip(β·exp(rate·(KL − target)/target)). */
  beta0: 1e-3,
  klTarget: 0.02,
  klAdaptRate: 0.1,
  betaMin: 1e-8,
  betaMax: 100,
  /** EMA baselines b ← m·b + (1 − m)·r, one per role, init 0. */
  baselineMomentum: 0.9,
  /** AdamW per role. */
  learningRate: 1e-6,
  weightDecay: 0.01,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEpsilon: 1e-8,
  /** Global gradient-norm clip over the role's trainable parameters. */
  gradClip: 1.0,
  /** Proposer update when iteration % 5 === 0 (1-based iterations). */
  proposerUpdateEvery: 5,
  /** Iterations of the reference default run (train.sh's 7B run uses 16,180). */
  iterations: 100,
  solverMaxNewTokens: 128,
  proposerMaxNewTokens: 128,
  /** Sampling for both roles: T = 1, top-p 1, top-k off, repetition penalty 1 (docs/method.md §9 D3). */
  temperature: 1.0,
  topP: 1.0,
  topK: 0,
  checkpointEvery: 50,
  keepLastCheckpoints: 2,
  seed: 42,
  /** LoRA on the language model's attention and MLP projections; vision tower and merger frozen. */
  loraRank: 16,
  loraAlpha: 32,
  loraDropout: 0.05,
  loraTargets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as readonly string[],
} as const;

export type EvolmmDefaults = typeof EVOLMM_DEFAULTS;

import * as tf from '@tensorflow/tfjs';

/** AdamW hyper-parameters (docs/method.md §6.2; defaults are EVOLMM_DEFAULTS). */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export interface AdamWSlot {
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * AdamW as torch.optim.AdamW: p ← p·(1 − lr·wd); m, v moments; p ← p − lr·m̂/(√v̂ + ε) with bias correction.
 * One instance per adapter (role), owning exactly that adapter's parameters (D2).
 */
export class AdamW {
  step = 0;
  readonly slots = new Map<tf.Variable, AdamWSlot>();

  constructor(
    readonly params: readonly tf.Variable[],
    readonly opts: AdamWOptions,
  ) {
    for (const p of params) {
      this.slots.set(p, {
        m: tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(p), false)),
      });
    }
  }

  /** Applies one update with gradients `grads` (same order as params) and learning rate `lr`. */
  apply(grads: readonly tf.Tensor[], lr: number): void {
    this.step += 1;
    const { beta1, beta2, eps, weightDecay } = this.opts;
    const bc1 = 1 - Math.pow(beta1, this.step);
    const bc2 = 1 - Math.pow(beta2, this.step);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i];
        const slot = this.slots.get(p)!;
        const m = tf.add(tf.mul(slot.m, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(slot.v, beta2), tf.mul(tf.square(g), 1 - beta2));
        slot.m.assign(m);
        slot.v.assign(v);
        const decayed = tf.mul(p, 1 - lr * weightDecay);
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), eps);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
      });
    });
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }
}

/** Global L2 norm of a gradient list (computed in float64 on the host for a stable report). */
export function globalNorm(grads: readonly tf.Tensor[]): number {
  let sq = 0;
  for (const g of grads) {
    sq += tf.tidy(() => tf.sum(tf.square(g)).dataSync()[0]);
  }
  return Math.sqrt(sq);
}

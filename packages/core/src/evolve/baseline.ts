/** b ← m·b + (1 − m)·r (docs/method.md §6.1, one EMA scalar per role, init 0). */
export function emaUpdate(baseline: number, reward: number, momentum: number): number {
  return momentum * baseline + (1 - momentum) * reward;
}

/**
 * Leave-one-out baselines b_i = (Σ_j r_j − r_i)/(N − 1) (docs/method.md §9 D4, the 'group-mean' option): with all
 * rewards equal every advantage is 0, and no sample's baseline depends on other images. N = 1 gives 0.
 */
export function leaveOneOutBaselines(rewards: readonly number[]): number[] {
  const n = rewards.length;
  if (n < 2) return rewards.map(() => 0);
  const sum = rewards.reduce((a, b) => a + b, 0);
  return rewards.map((r) => (sum - r) / (n - 1));
}

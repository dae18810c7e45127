import { EvolmmError, didYouMean } from '@evolmm/core';
import type { RewardPlugin } from '@evolmm/core';

const KEYS = ['solverReward', 'matcher', 'gamma', 'tau', 'lambdaLen', 'clip', 'muH', 'sigmaH'];

/** Builds the EvoLMM reward pair from the `rewards:` block of a config (or flags), validated like the rest. */
export async function rewardsFromConfig(cfg: Record<string, unknown>, source: string): Promise<{ solver: RewardPlugin; proposer: RewardPlugin }> {
  for (const key of Object.keys(cfg)) {
    if (!KEYS.includes(key)) throw new EvolmmError('INVALID_CONFIG', `${source}: unknown rewards key '${key}'${didYouMean(key, KEYS)}; valid keys: ${KEYS.join(', ')}`);
  }
  const r = await import('@evolmm/rewards');
  const matcherName = cfg.matcher ?? 'string';
  const matcher =
    matcherName === 'string' ? r.stringMatcher : matcherName === 'numeric' ? r.numericMatcher() : matcherName === 'semantic' ? r.semanticMatcher() : undefined;
  if (!matcher) throw new EvolmmError('INVALID_CONFIG', `${source}: rewards.matcher must be string, numeric or semantic, got '${String(matcherName)}'`);
  const solverReward = cfg.solverReward ?? 'continuous';
  if (solverReward !== 'continuous' && solverReward !== 'discrete') {
    throw new EvolmmError('INVALID_CONFIG', `${source}: the solver reward must be continuous or discrete, got '${String(solverReward)}'`);
  }
  const num = (k: string): number | undefined => {
    const v = cfg[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new EvolmmError('INVALID_CONFIG', `${source}: rewards.${k} must be a number, got ${JSON.stringify(v)}`);
    return v;
  };
  return r.evolmmRewards({
    solverReward,
    matcher,
    gamma: num('gamma'),
    tau: num('tau'),
    lambdaLen: num('lambdaLen'),
    muH: num('muH'),
    sigmaH: num('sigmaH'),
    ...(typeof cfg.clip === 'boolean' ? { clip: cfg.clip } : {}),
  });
}

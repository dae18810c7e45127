import { describe, expect, it } from 'vitest';
import { EvolmmError } from '../errors.js';
import { EVOLMM_DEFAULTS } from '../evolmm-defaults.js';
import { EVOLVE_DEFAULTS, resolveEvolveConfig, stableHash, validateEvolveConfig } from './evolve-config.js';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(EvolmmError.isInstance(e) && e.code).toBe('INVALID_CONFIG');
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('evolve config', () => {
  it('defaults are the paper numbers from EVOLMM_DEFAULTS', () => {
    const c = resolveEvolveConfig({ images: 'imgs', out: 'run' });
    expect(c).toMatchObject({
      n: 5,
      iterations: 100,
      seed: 42,
      proposerUpdateEvery: 5,
      baselineMomentum: 0.9,
      beta0: 1e-3,
      klTarget: 0.02,
      klAdaptRate: 0.1,
      betaMin: 1e-8,
      betaMax: 100,
      learningRate: 1e-6,
      temperature: 1,
      topP: 1,
      topK: 0,
      solverMaxNewTokens: 128,
      proposerMaxNewTokens: 128,
      checkpointEvery: 50,
      keepCheckpoints: 2,
      baseline: 'ema',
      solverUpdate: 'per-sample',
      klPenalty: true,
    });
    expect(EVOLVE_DEFAULTS.keepCheckpoints).toBe(EVOLMM_DEFAULTS.keepLastCheckpoints);
  });

  it('reports every problem at once, with did-you-mean hints', () => {
    const m = message(() =>
      validateEvolveConfig({ iteration: 10, n: 0, baseline: 'mean', topP: 0, klPenality: false, images: 3 }, { source: 'evolve.yaml' }),
    );
    expect(m).toMatch(/^evolve\.yaml is invalid:/);
    expect(m).toContain("unknown key 'iteration' (did you mean 'iterations'?)");
    expect(m).toContain("unknown key 'klPenality' (did you mean 'klPenalty'?)");
    expect(m).toContain("'n' must be an integer ≥ 1, found 0");
    expect(m).toContain("'baseline' must be one of 'ema', 'group-mean', found \"mean\"");
    expect(m).toContain("'topP' must be a number in (0, 1], found 0");
    expect(m).toMatch(/'images' must be a folder, glob or manifest path/);
    expect(m.split('\n  - ')).toHaveLength(7);
  });

  it('checks cross-field rules and passes allowed extra keys through', () => {
    expect(message(() => validateEvolveConfig({ betaMin: 1, betaMax: 0.5 }))).toContain("'betaMin' (1) must not exceed 'betaMax' (0.5)");
    expect(message(() => validateEvolveConfig({ beta0: 1000 }))).toContain("'beta0' (1000) must lie in [betaMin, betaMax]");
    expect(message(() => validateEvolveConfig({ resume: true, overwrite: true }))).toContain('cannot both be true');
    expect(() => validateEvolveConfig({ beta0: 1000, klPenalty: false })).not.toThrow();
    expect(validateEvolveConfig({ model: 'tfjs:./m', n: 3 }, { allowKeys: ['model'] })).toEqual({ model: 'tfjs:./m', n: 3 });
    expect(message(() => validateEvolveConfig([1]))).toContain('must be an object');
    expect(() => validateEvolveConfig({ images: { dir: 'x', folders: ['a'] } })).not.toThrow();
    expect(message(() => validateEvolveConfig({ images: { dir: 'x', folder: ['a'] } }))).toContain("'images' must be");
    expect(message(() => resolveEvolveConfig({ out: 'x' }))).toContain("evolve needs 'images'");
  });

  it('stableHash ignores key order', () => {
    expect(stableHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(stableHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(stableHash({ a: 1 })).not.toBe(stableHash({ a: 2 }));
  });
});

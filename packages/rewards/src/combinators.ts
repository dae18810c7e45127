/**
 * Combinators over reward plugins. Each part scores the whole group; the combined result keeps every part's value
 * and components, prefixed by the part's name (`"<name>"` = its value, `"<name>.<component>"` = its components),
 * so a log shows what made up the total. Synchronous when every part is; a Promise otherwise.
 */
import { EvolmmError, type RewardGroup, type RewardPlugin, type RewardResult } from '@evolmm/core';
import { checkNumber } from './group-input.js';

type Scored = readonly RewardResult[];

/** Unique display names: a repeated name gets "#2", "#3", … */
function partNames(plugins: readonly RewardPlugin[]): string[] {
  const seen = new Map<string, number>();
  return plugins.map((p) => {
    const base = typeof p.name === 'string' && p.name !== '' ? p.name : 'reward';
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return k === 1 ? base : `${base}#${k}`;
  });
}

function scoreAll<T>(
  plugins: readonly RewardPlugin[],
  group: RewardGroup,
  combine: (parts: Scored[]) => T,
): T | Promise<T> {
  const outs = plugins.map((p) => p.score(group));
  // Any thenable counts as async (a Promise from another realm or library is not `instanceof Promise`).
  if (outs.some((o) => typeof (o as { then?: unknown }).then === 'function')) return Promise.all(outs).then(combine);
  return combine(outs as Scored[]);
}

function checkLengths(name: string, names: string[], parts: Scored[], n: number): void {
  parts.forEach((part, k) => {
    if (!Array.isArray(part) || part.length !== n) {
      throw new EvolmmError(
        'INTERNAL',
        `${name}: part "${names[k]}" returned ${Array.isArray(part) ? part.length : typeof part} results for a group ` +
          `of ${n} completions; a RewardPlugin must return one result per completion.`,
      );
    }
  });
}

function prefixed(names: string[], parts: Scored[], i: number): Record<string, number> {
  const out: Record<string, number> = {};
  parts.forEach((part, k) => {
    out[names[k]] = part[i].value;
    for (const [key, v] of Object.entries(part[i].components ?? {})) out[`${names[k]}.${key}`] = v;
  });
  return out;
}

function groupSize(group: RewardGroup): number {
  return Array.isArray(group.completions) ? group.completions.length : 0;
}

/** Σ_k weight_k · value_k. */
export function weightedSum(
  parts: readonly { plugin: RewardPlugin; weight: number }[],
  opts: { name?: string } = {},
): RewardPlugin {
  const names = partNames(parts.map((p) => p.plugin));
  const name = opts.name ?? `weightedSum(${names.join(',')})`;
  const weights = parts.map((p, k) => checkNumber(name, `parts[${k}].weight`, p.weight));
  const plugins = parts.map((p) => p.plugin);
  return {
    specificationVersion: 'v1',
    name,
    score(group) {
      const n = groupSize(group);
      return scoreAll(plugins, group, (scored) => {
        checkLengths(name, names, scored, n);
        return Array.from({ length: n }, (_, i) => ({
          value: scored.reduce((sum, part, k) => sum + weights[k] * part[i].value, 0),
          components: prefixed(names, scored, i),
        }));
      });
    },
  };
}

/** Π_k value_k. */
export function product(plugins: readonly RewardPlugin[], opts: { name?: string } = {}): RewardPlugin {
  const names = partNames(plugins);
  const name = opts.name ?? `product(${names.join(',')})`;
  return {
    specificationVersion: 'v1',
    name,
    score(group) {
      const n = groupSize(group);
      return scoreAll(plugins, group, (scored) => {
        checkLengths(name, names, scored, n);
        return Array.from({ length: n }, (_, i) => ({
          value: scored.reduce((acc, part) => acc * part[i].value, 1),
          components: prefixed(names, scored, i),
        }));
      });
    },
  };
}

/**
 * `plugin`'s value where `gatePlugin`'s value ≥ threshold, else `otherwise` (default 0). E.g. a format gate:
 * gate(formatReward(), evolmmSolverReward(), 1). Both score the whole group (the gated plugin still sees every
 * answer). Components also hold `gate.passed` (0/1).
 */
export function gate(
  gatePlugin: RewardPlugin,
  plugin: RewardPlugin,
  threshold: number,
  opts: { name?: string; otherwise?: number } = {},
): RewardPlugin {
  const names = partNames([gatePlugin, plugin]);
  const name = opts.name ?? `gate(${names.join(',')})`;
  const limit = checkNumber(name, 'threshold', threshold);
  const otherwise = checkNumber(name, 'otherwise', opts.otherwise ?? 0);
  return {
    specificationVersion: 'v1',
    name,
    score(group) {
      const n = groupSize(group);
      return scoreAll([gatePlugin, plugin], group, (scored) => {
        checkLengths(name, names, scored, n);
        return Array.from({ length: n }, (_, i) => {
          const passed = scored[0][i].value >= limit;
          return {
            value: passed ? scored[1][i].value : otherwise,
            components: { ...prefixed(names, scored, i), 'gate.passed': passed ? 1 : 0 },
          };
        });
      });
    },
  };
}

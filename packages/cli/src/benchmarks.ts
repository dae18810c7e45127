import { createRequire } from 'node:module';
import path from 'node:path';
import { EvolmmError, didYouMean } from '@evolmm/core';
import type { Benchmark, LoadOptions } from '@evolmm/core';

export const BENCHMARK_NAMES = ['chartqa', 'chartqa-sample', 'mathvista', 'mathvision', 'synthetic'] as const;
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

/** The ChartQA sample (50 official test charts, 95 questions) shipped inside @evolmm/bench. */
export function chartqaSampleDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@evolmm/bench/package.json')), 'samples', 'chartqa');
}

/**
 * Builds benchmark objects by name. `dataDirs` maps a name to its data folder (official files or parquet);
 * chartqa-sample and synthetic need none.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function benchmarksByName(
  names: readonly string[],
  dataDirs: Record<string, string>,
  opts: { syntheticCount?: number; syntheticSeed?: number } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ benchmarks: Benchmark<any>[]; loadOptions: Record<string, LoadOptions> }> {
  const b = await import('@evolmm/bench');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const out: Benchmark<any>[] = [];
  const loadOptions: Record<string, LoadOptions> = {};
  for (const name of names) {
    if (!(BENCHMARK_NAMES as readonly string[]).includes(name)) {
      throw new EvolmmError('INVALID_ARGUMENT', `unknown benchmark '${name}'${didYouMean(name, BENCHMARK_NAMES)}; choose from ${BENCHMARK_NAMES.join(', ')}`);
    }
    const dataDir = dataDirs[name];
    const needData = (what: string) => {
      if (!dataDir) {
        throw new EvolmmError('INVALID_ARGUMENT', `benchmark '${name}' needs its data: pass --data ${name}=<folder> (${what}); nothing is downloaded`);
      }
      return dataDir;
    };
    switch (name as BenchmarkName) {
      case 'chartqa':
        out.push(b.chartqa({ dataDir: needData('the official ChartQA test folder or the HF parquet files') }));
        break;
      case 'chartqa-sample':
        out.push(b.chartqa({ dataDir: chartqaSampleDir(), missingImages: 'skip' }));
        break;
      case 'mathvista':
        out.push(b.mathvista({ dataDir: needData('MathVista data/ with testmini.json and images/, or the HF parquet release') }));
        break;
      case 'mathvision':
        out.push(b.mathvision({ dataDir: needData('MATH-V data/ with test.jsonl and images, or the HF parquet release') }));
        break;
      case 'synthetic':
        out.push(b.syntheticCharts({ count: opts.syntheticCount ?? 50, seed: opts.syntheticSeed ?? 1 }));
        if (dataDir) loadOptions['synthetic-charts'] = { dataDir };
        break;
    }
  }
  return { benchmarks: out, loadOptions };
}

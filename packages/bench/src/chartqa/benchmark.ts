/**
 * ChartQA as a core `Benchmark` (docs/benchmarks.md §3.1, §4): lmms-eval's `chartqa` task for Qwen2.5-VL.
 */
import type { BenchSummary, Benchmark, ChatMessage, GenerateRequest, ItemScore, LoadOptions } from '@evolmm/core';
import { relaxedCorrectness } from '@evolmm/rewards';
import { definedOf } from '../common/defined-of.js';
import { applyCleanup, type OutputCleanup } from '../common/output-cleanup.js';
import { hasPySpace, pyStrip } from '../common/py-strip.js';
import { qwenMessages, QWEN_SYSTEM_PROMPT } from '../common/prompt.js';
import { summarizeScores } from '../common/summary.js';
import { loadChartQA, type ChartQALoadOptions } from './loader.js';
import type { ChartQAItem } from './types.js';

/** lmms-eval's ChartQA post-prompt for Qwen2.5-VL. */
export const CHARTQA_POST_PROMPT = '\nAnswer the question with a single word.';

export interface ChartQAOptions extends ChartQALoadOptions {
  /** Text sent after the image: default `question + CHARTQA_POST_PROMPT`. */
  readonly promptText?: (item: ChartQAItem) => string;
  /** Whole prompt override (takes precedence over promptText). */
  readonly prompt?: (item: ChartQAItem) => ChatMessage[];
  /** System message; default 'You are a helpful assistant.'; null leaves it out. */
  readonly systemPrompt?: string | null;
  /** Output post-processing before scoring; default `'lmms-eval'` (the wrapper's `<answer>`/`\boxed` parsing). */
  readonly outputCleanup?: OutputCleanup;
}

/**
 * Whether `prediction` could be a Python float (after an optional trailing "%" run). Texts that cannot are decided by
 * the string comparison alone; checking this first keeps megabyte outputs linear (the shared parser's regex strip
 * backtracks on long inner whitespace runs).
 */
function mayBeNumber(prediction: string): boolean {
  let end = prediction.length;
  while (end > 0 && prediction.charCodeAt(end - 1) === 37 /* % */) end--;
  const core = pyStrip(prediction.slice(0, end));
  return core.length > 0 && !hasPySpace(core) && !core.includes('%');
}

/** ChartQA relaxed accuracy of one (already cleaned-up) prediction; never throws. */
export function chartqaCorrect(prediction: string, label: string): boolean {
  const p = typeof prediction === 'string' ? prediction : String(prediction ?? '');
  // Not a number → Python's to_float gives None → plain lowercase equality (docs/benchmarks.md §3.1).
  if (!mayBeNumber(p)) return p.toLowerCase() === label.toLowerCase();
  return relaxedCorrectness(p, label);
}

/** lmms-eval's metrics, as fractions: relaxed_overall, relaxed_human_split, relaxed_augmented_split. */
export function chartqaMetrics(scores: readonly ItemScore[]): { relaxed_overall: number; relaxed_human_split: number; relaxed_augmented_split: number } {
  const mean = (xs: readonly ItemScore[]) => (xs.length === 0 ? 0 : xs.filter((s) => s.correct).length / xs.length);
  const human = scores.filter((s) => s.groups?.type === 'human_test');
  const augmented = scores.filter((s) => s.groups?.type !== 'human_test');
  return { relaxed_overall: mean(scores), relaxed_human_split: mean(human), relaxed_augmented_split: mean(augmented) };
}

export interface ChartQABenchmark extends Benchmark<ChartQAItem> {
  /** lmms-eval's metric dict for a run (fractions, not percentages). */
  officialScores(scores: readonly ItemScore[]): ReturnType<typeof chartqaMetrics>;
}

/** ChartQA test (2500 = 1250 human + 1250 augmented), relaxed accuracy. */
export function chartqa(options: ChartQAOptions = {}): ChartQABenchmark {
  const cleanup = options.outputCleanup ?? 'lmms-eval';
  const system = options.systemPrompt === undefined ? QWEN_SYSTEM_PROMPT : options.systemPrompt;
  const generation: Pick<GenerateRequest, 'maxNewTokens' | 'temperature' | 'stop'> = { maxNewTokens: 16, temperature: 0 };
  return {
    name: 'chartqa',
    generation,
    items(load: LoadOptions = {}) {
      return loadChartQA({ ...options, ...definedOf(load) });
    },
    id: (item) => item.id,
    prompt(item) {
      if (options.prompt) return options.prompt(item);
      const text = options.promptText ? options.promptText(item) : item.question + CHARTQA_POST_PROMPT;
      return qwenMessages([item.image], text, system);
    },
    score(item, output): ItemScore {
      const prediction = applyCleanup(output, cleanup);
      return { id: item.id, correct: chartqaCorrect(prediction, item.answer), prediction, groups: { type: item.type } };
    },
    summarize(scores): BenchSummary {
      return summarizeScores('chartqa', scores);
    },
    officialScores: chartqaMetrics,
  };
}

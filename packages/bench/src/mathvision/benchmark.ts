/** MATH-Vision as a core `Benchmark` (docs/benchmarks.md §3.3, §4): the official rule-based scorer. */
import type { BenchSummary, Benchmark, ChatMessage, GenerateRequest, ItemScore, LoadOptions } from '@evolmm/core';
import { definedOf } from '../common/defined-of.js';
import { applyCleanup, type OutputCleanup } from '../common/output-cleanup.js';
import { qwenMessages, QWEN_SYSTEM_PROMPT } from '../common/prompt.js';
import { summarizeScores } from '../common/summary.js';
import { loadMathVision, type MathVisionItem, type MathVisionLoadOptions } from './loader.js';
import { mathVisionPromptText } from './prompts.js';
import { mathVisionResultFile, scoreMathVisionResponse } from './score.js';

export interface MathVisionOptions extends MathVisionLoadOptions {
  readonly promptText?: (item: MathVisionItem) => string;
  readonly prompt?: (item: MathVisionItem) => ChatMessage[];
  readonly systemPrompt?: string | null;
  /**
   * Output post-processing before the official extraction; default `'none'`. `'lmms-eval'` reproduces that
   * harness, whose `\boxed{…}` cut at the first `}` turns `\boxed{\frac{1}{2}}` into `\frac{1` (docs/benchmarks.md §5).
   */
  readonly outputCleanup?: OutputCleanup;
}

export interface MathVisionBenchmark extends Benchmark<MathVisionItem> {
  /** The published `<Model>_result.json` object for a run (needs `groups.level` / `groups.subject`). */
  officialScores(scores: readonly ItemScore[]): Record<string, string>;
}

export function mathvision(options: MathVisionOptions = {}): MathVisionBenchmark {
  const cleanup = options.outputCleanup ?? 'none';
  const system = options.systemPrompt === undefined ? QWEN_SYSTEM_PROMPT : options.systemPrompt;
  const generation: Pick<GenerateRequest, 'maxNewTokens' | 'temperature' | 'stop'> = { maxNewTokens: 16384, temperature: 0 };
  return {
    name: 'mathvision',
    generation,
    items(load: LoadOptions = {}) {
      return loadMathVision({ ...options, ...definedOf(load) });
    },
    id: (item) => item.id,
    prompt(item) {
      if (options.prompt) return options.prompt(item);
      return qwenMessages([item.image], options.promptText ? options.promptText(item) : mathVisionPromptText(item), system);
    },
    score(item, output): ItemScore {
      const { model_answer, correct } = scoreMathVisionResponse(item, applyCleanup(output, cleanup));
      return { id: item.id, correct, prediction: model_answer, groups: { level: String(item.level), subject: item.subject } };
    },
    summarize(scores): BenchSummary {
      return summarizeScores('mathvision', scores);
    },
    officialScores(scores) {
      return mathVisionResultFile(
        scores.map((s) => ({ level: String(s.groups?.level ?? ''), subject: String(s.groups?.subject ?? ''), correct: s.correct })),
      );
    },
  };
}

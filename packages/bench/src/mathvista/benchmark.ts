/**
 * MathVista as a core `Benchmark` (docs/benchmarks.md §3.2, §4). `score` is synchronous and uses the rule-based
 * extractor (not the official LLM step; labelled as such); `scoreAsync` runs the official extraction through an
 * injected LLM call when one is configured.
 */
import type { BenchSummary, Benchmark, ChatMessage, GenerateRequest, ItemScore, LoadOptions } from '@evolmm/core';
import { applyCleanup, type OutputCleanup } from '../common/output-cleanup.js';
import { qwenMessages, QWEN_SYSTEM_PROMPT } from '../common/prompt.js';
import { pyStrip } from '../common/py-strip.js';
import { summarizeScores } from '../common/summary.js';
import { definedOf } from '../common/defined-of.js';
import { officialMathVistaExtraction, ruleBasedMathVistaExtraction, type MathVistaLlmExtract } from './extract.js';
import { loadMathVista, type MathVistaItem, type MathVistaLoadOptions } from './loader.js';
import { mathVistaEqual, normalizeMathVistaAnswer } from './normalize.js';
import { mathVistaPromptText, type MathVistaPromptVariant } from './prompts.js';
import { MATHVISTA_BREAKDOWN_KEYS, mathVistaScores, type MathVistaScores } from './scores.js';
import type { IntRule } from './types.js';

export interface MathVistaOptions extends MathVistaLoadOptions {
  /** Prompt variant, default `'cot'` (lmms-eval `mathvista_testmini_cot`); see {@link MathVistaPromptVariant}. */
  readonly promptVariant?: MathVistaPromptVariant;
  /** Text override (images are still put first). */
  readonly promptText?: (item: MathVistaItem) => string;
  /** Whole prompt override. */
  readonly prompt?: (item: MathVistaItem) => ChatMessage[];
  readonly systemPrompt?: string | null;
  /** Integer rule of the normaliser, default `'current'`. */
  readonly intRule?: IntRule;
  /**
   * LLM extraction (official step 6) for `scoreAsync`, e.g. `openAiCompatibleExtractor(...)`. Without it,
   * `scoreAsync` falls back to the rule-based extractor.
   */
  readonly extract?: MathVistaLlmExtract;
  /** Output post-processing before extraction; default `'none'`. */
  readonly outputCleanup?: OutputCleanup;
}

export interface MathVistaItemScore extends ItemScore {
  /** What the extractor returned (before normalisation). */
  readonly extraction: string;
  /** Which extractor produced it: the official LLM path or the rule-based fallback. */
  readonly extractor: 'llm' | 'rule';
}

export interface MathVistaBenchmark extends Benchmark<MathVistaItem> {
  score(item: MathVistaItem, output: string): MathVistaItemScore;
  /** Official extraction through the configured LLM (rule-based when none), then the official normaliser. */
  scoreAsync(item: MathVistaItem, output: string): Promise<MathVistaItemScore>;
  /** Normalise and compare an extraction the caller already has. */
  scoreExtraction(item: MathVistaItem, extraction: string, extractor?: 'llm' | 'rule'): MathVistaItemScore;
  /** The published `scores_*.json` object for a run. */
  officialScores(scores: readonly ItemScore[]): MathVistaScores;
}

function groupsOf(item: MathVistaItem): Record<string, string | readonly string[]> {
  const groups: Record<string, string | readonly string[]> = {};
  for (const key of MATHVISTA_BREAKDOWN_KEYS) {
    const v = key === 'question_type' || key === 'answer_type' ? item[key] : item.metadata?.[key];
    if (Array.isArray(v)) groups[key] = v.map(String);
    else if (v !== undefined && v !== null) groups[key] = String(v);
  }
  return groups;
}

export function mathvista(options: MathVistaOptions = {}): MathVistaBenchmark {
  const variant = options.promptVariant ?? 'cot';
  const cleanup = options.outputCleanup ?? 'none';
  const system = options.systemPrompt === undefined ? QWEN_SYSTEM_PROMPT : options.systemPrompt;
  const generation: Pick<GenerateRequest, 'maxNewTokens' | 'temperature' | 'stop'> = { maxNewTokens: 16384, temperature: 0 };
  const scoreExtraction = (item: MathVistaItem, extraction: string, extractor: 'llm' | 'rule' = 'rule'): MathVistaItemScore => {
    const prediction = normalizeMathVistaAnswer(extraction, item, { intRule: options.intRule });
    // lmms-eval compares str(pred).strip() == str(ans).strip(); the official script compares as is. Gold answers
    // carry no surrounding spaces, so both agree; the official form is used.
    return { id: item.pid, correct: mathVistaEqual(prediction, item.answer), prediction, extraction, extractor, groups: groupsOf(item) };
  };
  // lmms-eval strips the response before extraction (docs/benchmarks.md §4).
  const prepared = (output: string) => pyStrip(applyCleanup(output, cleanup));
  return {
    name: 'mathvista',
    generation,
    items(load: LoadOptions = {}) {
      return loadMathVista({ ...options, ...definedOf(load) });
    },
    id: (item) => item.pid,
    prompt(item) {
      if (options.prompt) return options.prompt(item);
      return qwenMessages([item.image], options.promptText ? options.promptText(item) : mathVistaPromptText(item, variant), system);
    },
    score(item, output) {
      return scoreExtraction(item, ruleBasedMathVistaExtraction(prepared(output), item), 'rule');
    },
    async scoreAsync(item, output) {
      const text = prepared(output);
      if (!options.extract) return scoreExtraction(item, ruleBasedMathVistaExtraction(text, item), 'rule');
      const query = item.query ?? mathVistaPromptText(item, 'query');
      return scoreExtraction(item, await officialMathVistaExtraction(text, { ...item, query }, options.extract), 'llm');
    },
    scoreExtraction,
    summarize(scores): BenchSummary {
      return summarizeScores('mathvista', scores);
    },
    officialScores(scores) {
      return mathVistaScores(
        scores.map((s) => ({
          question_type: s.groups?.question_type as string | undefined,
          answer_type: s.groups?.answer_type as string | undefined,
          metadata: s.groups as Record<string, unknown> | undefined,
          true_false: s.correct,
        })),
      );
    },
  };
}

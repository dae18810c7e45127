import fs from 'node:fs';
import {
  EvolmmError,
  solverPrompt,
  throwIfAborted,
  type Benchmark,
  type BenchSummary,
  type BreakdownEntry,
  type ChatMessage,
  type GenerateRequest,
  type ItemScore,
  type LoadOptions,
} from '@evolmm/core';
import { matchAnswer } from './answer-match.js';
import type { AnswerType, ChartData, ChartKind, Difficulty, QuestionType } from './chart-types.js';
import { readSyntheticDataset } from './dataset.js';
import { generateSyntheticCharts, type SyntheticChartOptions } from './generate.js';
import { renderChart } from './render.js';

/** An item as the benchmark serves it: the question, its exact answer and the rendered PNG. */
export interface SyntheticBenchItem {
  readonly id: string;
  readonly kind: ChartKind;
  readonly difficulty: Difficulty;
  readonly question: string;
  readonly questionType: QuestionType;
  readonly answer: string;
  readonly answerType: AnswerType;
  readonly aliases: readonly string[];
  readonly data?: ChartData;
  /** PNG bytes. */
  readonly image: Uint8Array;
}

/**
 * 'evolmm' (default): the EvoLMM Solver prompt (core solverPrompt), so a model trained by `evolve` is evaluated in
 * the format it was trained on; answers in `<answer>` tags. 'direct': the question plus "Answer the question with a
 * single word or number." (ChartQA style). Or a function building the messages.
 */
export type SyntheticPromptStyle = 'evolmm' | 'direct' | ((item: SyntheticBenchItem) => ChatMessage[]);

export interface SyntheticChartsBenchmarkOptions extends Omit<SyntheticChartOptions, 'count'> {
  /** Number of generated items. Default 100. Ignored when items are read from a dataset folder (LoadOptions.dataDir). */
  readonly count?: number;
  /** Benchmark name (the cache key and report column). Default 'synthetic-charts'. */
  readonly name?: string;
  readonly prompt?: SyntheticPromptStyle;
  /** Decoding settings. Default greedy, 64 new tokens ('evolmm') or 16 ('direct'). */
  readonly generation?: Pick<GenerateRequest, 'maxNewTokens' | 'temperature' | 'stop'>;
}

export const DIRECT_SUFFIX = '\nAnswer the question with a single word or number.';

function userTurn(image: Uint8Array, text: string): ChatMessage[] {
  // One user turn, image first (the Qwen2-VL chat template adds the default system turn; docs/method.md §2).
  return [{ role: 'user', content: [{ type: 'image', image }, { type: 'text', text }] }];
}

/** Counts per group value, in first-seen order; an item listing several values counts under each. */
export function breakdown(scores: readonly ItemScore[], key: string): Record<string, BreakdownEntry> {
  const acc = new Map<string, { correct: number; total: number }>();
  for (const s of scores) {
    const g = s.groups?.[key];
    if (g === undefined) continue;
    for (const v of typeof g === 'string' ? [g] : g) {
      const e = acc.get(v) ?? { correct: 0, total: 0 };
      e.total++;
      if (s.correct) e.correct++;
      acc.set(v, e);
    }
  }
  const out: Record<string, BreakdownEntry> = {};
  for (const [v, e] of acc) out[v] = { ...e, accuracy: (100 * e.correct) / e.total };
  return out;
}

/**
 * The synthetic-charts benchmark: generated bar/line/pie charts with exact answers. Scoring: the final answer
 * (`<answer>` tag, `\boxed{}`, "answer is …", or the last line) compared numerically (relative tolerance 1e-6) for
 * numbers and as normalised text for labels. Breakdowns: kind, question_type, difficulty.
 */
export function syntheticCharts(options: SyntheticChartsBenchmarkOptions = {}): Benchmark<SyntheticBenchItem> {
  const style = options.prompt ?? 'evolmm';
  const name = options.name ?? 'synthetic-charts';
  return {
    name,
    generation: options.generation ?? { maxNewTokens: style === 'direct' ? 16 : 64, temperature: 0 },
    async *items(load: LoadOptions = {}): AsyncIterable<SyntheticBenchItem> {
      const limit = load.limit ?? Number.POSITIVE_INFINITY;
      if (load.dataDir !== undefined) {
        const entries = readSyntheticDataset(load.dataDir);
        for (const e of entries.slice(0, Math.min(entries.length, limit))) {
          throwIfAborted(load.signal, `loading ${name}`);
          if (!fs.existsSync(e.image)) {
            throw new EvolmmError('NOT_FOUND', `image ${e.image} listed in ${load.dataDir}/manifest.jsonl is missing; rewrite the dataset`);
          }
          const { image, width: _w, height: _h, ...rest } = e;
          yield { ...rest, image: new Uint8Array(fs.readFileSync(image)) };
        }
        return;
      }
      const count = Math.min(options.count ?? 100, limit);
      for (const item of generateSyntheticCharts({ ...options, count })) {
        throwIfAborted(load.signal, `loading ${name}`);
        const { svg: _svg, size: _size, ...rest } = item;
        yield { ...rest, image: new Uint8Array(await renderChart(item)) };
      }
    },
    id: (item) => item.id,
    prompt(item) {
      if (typeof style === 'function') return style(item);
      return userTurn(item.image, style === 'direct' ? item.question + DIRECT_SUFFIX : solverPrompt(item.question));
    },
    score(item, output): ItemScore {
      const m = matchAnswer(output, item);
      return {
        id: item.id,
        correct: m.correct,
        prediction: m.prediction,
        groups: { kind: item.kind, question_type: item.questionType, difficulty: item.difficulty },
      };
    },
    summarize(scores): BenchSummary {
      const correct = scores.filter((s) => s.correct).length;
      return {
        benchmark: name,
        correct,
        total: scores.length,
        accuracy: scores.length === 0 ? 0 : (100 * correct) / scores.length,
        breakdowns: {
          kind: breakdown(scores, 'kind'),
          question_type: breakdown(scores, 'question_type'),
          difficulty: breakdown(scores, 'difficulty'),
        },
      };
    },
  };
}

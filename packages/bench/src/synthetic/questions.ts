import type { Rng } from '@evolmm/core';
import { MONTH_NAMES } from './chart-data.js';
import type { AnswerType, ChartData, ChartKind, QuestionType } from './chart-types.js';

export interface ChartQuestion {
  readonly question: string;
  readonly questionType: QuestionType;
  readonly answer: string;
  readonly answerType: AnswerType;
  readonly aliases: readonly string[];
}

function pickTwo(rng: Rng, n: number): [number, number] {
  const a = rng.nextInt(n);
  const b = (a + 1 + rng.nextInt(n - 1)) % n;
  return [a, b];
}

function labelAnswer(label: string): Pick<ChartQuestion, 'answer' | 'answerType' | 'aliases'> {
  const full = MONTH_NAMES[label];
  return { answer: label, answerType: 'label', aliases: full && full !== label ? [full] : [] };
}

function numberAnswer(v: number): Pick<ChartQuestion, 'answer' | 'answerType' | 'aliases'> {
  return { answer: String(v), answerType: 'number', aliases: [] };
}

/**
 * A question of the given type about `data`, with its exact answer computed from the data. Which categories a
 * question names (and, for two-series line charts, which series) is drawn from `rng`.
 */
export function makeQuestion(kind: ChartKind, data: ChartData, type: QuestionType, rng: Rng): ChartQuestion {
  const s = rng.nextInt(data.series.length);
  const series = data.series[s];
  const values = series.values;
  const labels = data.labels;
  const n = labels.length;
  const multi = data.series.length > 1;
  // How the chart's marks and a series are named in the question text.
  const the = multi ? `the ${series.name} line` : 'the value';
  switch (type) {
    case 'value': {
      const i = rng.nextInt(n);
      const q =
        kind === 'bar'
          ? `What is the value of bar ${labels[i]}?`
          : kind === 'pie'
            ? `What percentage does slice ${labels[i]} take up?`
            : multi
              ? `What is the value of the ${series.name} line in ${labels[i]}?`
              : `What is the value in ${labels[i]}?`;
      return { question: q, questionType: type, ...numberAnswer(values[i]) };
    }
    case 'max':
    case 'min': {
      const target = type === 'max' ? Math.max(...values) : Math.min(...values);
      const word = type === 'max' ? 'highest' : 'lowest';
      const q =
        kind === 'bar'
          ? `Which bar has the ${word} value?`
          : kind === 'pie'
            ? `Which slice is the ${type === 'max' ? 'largest' : 'smallest'}?`
            : `In which month is ${the} ${word}?`;
      return { question: q, questionType: type, ...labelAnswer(labels[values.indexOf(target)]) };
    }
    case 'difference': {
      const [a, b] = pickTwo(rng, n);
      const what = kind === 'pie' ? 'percentages of slices' : kind === 'bar' ? 'values of bars' : multi ? `values of the ${series.name} line in` : 'values in';
      return {
        question: `What is the difference between the ${what} ${labels[a]} and ${labels[b]}?`,
        questionType: type,
        ...numberAnswer(Math.abs(values[a] - values[b])),
      };
    }
    case 'count': {
      const q =
        kind === 'bar'
          ? 'How many bars are in the chart?'
          : kind === 'pie'
            ? 'How many slices does the pie chart have?'
            : multi
              ? 'How many lines are in the chart?'
              : 'How many data points does the line have?';
      return { question: q, questionType: type, ...numberAnswer(multi ? data.series.length : n) };
    }
    case 'sum': {
      if (kind === 'pie') {
        // All slices sum to 100; ask for two of them instead.
        const [a, b] = pickTwo(rng, n);
        return {
          question: `What is the total percentage of slices ${labels[a]} and ${labels[b]}?`,
          questionType: type,
          ...numberAnswer(values[a] + values[b]),
        };
      }
      const q =
        kind === 'bar'
          ? 'What is the sum of all bar values?'
          : multi
            ? `What is the sum of the values of the ${series.name} line over all months?`
            : 'What is the sum of the values over all months?';
      return { question: q, questionType: type, ...numberAnswer(values.reduce((x, y) => x + y, 0)) };
    }
  }
}

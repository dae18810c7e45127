/**
 * MathVista prompt texts as lmms-eval's `mathvista_testmini_{solution,cot,format}` build them (docs/benchmarks.md §4;
 * strings quoted exactly), plus the official `query` field.
 */
import { pyStrip } from '../common/py-strip.js';
import type { MathVistaProblem } from './types.js';

/** `solution` (lmms-eval `_solution`), `cot` (`step-by-step`), `format` (`format-prompt`), `query` (official query.json). */
export type MathVistaPromptVariant = 'solution' | 'cot' | 'format' | 'query';

type PromptProblem = Pick<MathVistaProblem, 'question' | 'unit' | 'choices' | 'question_type' | 'answer_type' | 'precision' | 'query'>;

/** The hint line of the `solution` / `cot` variants (and of the official query). */
export function mathVistaHint(problem: PromptProblem): string {
  if (problem.question_type === 'multi_choice') {
    return 'Hint: Please answer the question and provide the correct option letter, e.g., A, B, C, D, at the end.';
  }
  switch (problem.answer_type) {
    case 'integer':
      return 'Hint: Please answer the question requiring an integer answer and provide the final value, e.g., 1, 2, 3, at the end.';
    case 'float':
      // testmini only has precision 1 and 2; anything else gets the two-decimal wording.
      return problem.precision === 1
        ? 'Hint: Please answer the question requiring a floating-point number with one decimal place and provide the final value, e.g., 1.2, 1.3, 1.4, at the end.'
        : 'Hint: Please answer the question requiring a floating-point number with two decimal places and provide the final value, e.g., 1.23, 1.34, 1.45, at the end.';
    case 'list':
      return 'Hint: Please answer the question requiring a Python list as an answer and provide the final list, e.g., [1, 2, 3], [1.2, 1.3, 1.4], at the end.';
    default:
      return '';
  }
}

/** The instruction line of the `format` variant. */
export function mathVistaFormatInstruction(problem: PromptProblem): string {
  if (problem.question_type === 'multi_choice') return "Answer with the option's letter from the given choices directly.";
  switch (problem.answer_type) {
    case 'integer':
      return 'Answer the question using a single integer number.';
    case 'float':
      return problem.precision === 1
        ? 'Answer the question using a single floating-point number with one decimal place.'
        : 'Answer the question using a single floating-point number with two decimal places.';
    case 'list':
      return 'Answer the question using a Python list.';
    default:
      return '';
  }
}

const letter = (i: number) => String.fromCharCode(65 + i);

/** The text of one MathVista prompt (images are added by the benchmark). */
export function mathVistaPromptText(problem: PromptProblem, variant: MathVistaPromptVariant = 'cot'): string {
  const unit = problem.unit ? ` (Unit: ${problem.unit})` : '';
  const choices = problem.question_type === 'multi_choice' ? (problem.choices ?? []) : [];
  if (variant === 'query') {
    if (typeof problem.query === 'string' && problem.query.length > 0) return problem.query;
    // query.json layout (the official build_query): hint, question (+ unit), choices, joined, then strip()ped as a
    // whole (which is why a question or last choice ending in spaces/CRLF loses them there).
    const lines = [mathVistaHint(problem), `Question: ${problem.question}${unit}`];
    if (choices.length > 0) lines.push('Choices:', ...choices.map((c, i) => `(${letter(i)}) ${c}`));
    return pyStrip(lines.join('\n'));
  }
  if (variant === 'format') {
    const lines = [`${problem.question}${unit}`, ...choices.map((c, i) => `${letter(i)}. ${c}`), mathVistaFormatInstruction(problem)];
    return lines.join('\n');
  }
  const lines = [`Question: ${problem.question}${unit}`];
  if (choices.length > 0) lines.push('Choices:', ...choices.map((c, i) => `(${letter(i)}) ${c}`));
  lines.push(mathVistaHint(problem));
  if (variant === 'solution') lines.push('Solution: ');
  return lines.join('\n');
}

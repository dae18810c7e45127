/** MATH-V prompt text as lmms-eval's `mathvision_test` builds it for Qwen2.5-VL (docs/benchmarks.md §4, quoted exactly). */
import type { MathVisionProblem } from './types.js';

export const MATHVISION_PRE_PROMPT = 'Please solve the problem step by step and put your answer in one "\\boxed{}".';
export const MATHVISION_MC_POST_PROMPT = "\nAnswer the question with the option's letter from the given choices directly.";

export function mathVisionPromptText(problem: Pick<MathVisionProblem, 'question' | 'options'>): string {
  // The question follows the instruction immediately (no space or newline).
  let text = MATHVISION_PRE_PROMPT + problem.question;
  const options = problem.options ?? [];
  if (options.length > 0) {
    text += '\nChoices: ' + options.map((o, i) => `${String.fromCharCode(65 + i)}. ${o}`).join('\n') + MATHVISION_MC_POST_PROMPT;
  }
  return text;
}

/**
 * lmms-eval's Qwen2.5-VL wrapper post-processing, `parse_reasoning_model_answer` (docs/benchmarks.md §4): the
 * first `<answer>\s*(.*?)\s*</answer>` content (DOTALL), else the first `\\boxed\{\s*(.*?)\s*\}` content, cut at the
 * FIRST `}` (non-greedy), else the full text. That harness applies it to every task, so ChartQA numbers from it
 * include this step. Implemented with indexOf (the first opener that has a closer after it is the first opener at
 * all), so megabyte outputs stay linear where the backtracking regex would be quadratic.
 */
export type OutputCleanup = 'lmms-eval' | 'none';

function between(text: string, open: string, close: string): string | undefined {
  const i = text.indexOf(open);
  if (i < 0) return undefined;
  const j = text.indexOf(close, i + open.length);
  if (j < 0) return undefined;
  return text.slice(i + open.length, j).trim(); // JS trim() removes exactly what \s matches
}

export function lmmsEvalCleanup(text: string): string {
  return between(text, '<answer>', '</answer>') ?? between(text, '\\boxed{', '}') ?? text;
}

export function applyCleanup(text: string, cleanup: OutputCleanup): string {
  const s = typeof text === 'string' ? text : String(text ?? '');
  return cleanup === 'lmms-eval' ? lmmsEvalCleanup(s) : s;
}

/**
 * MathVista answer extraction (docs/benchmarks.md §3.2 "Extraction"): the official cheap steps 1–5, then either an
 * LLM call (the official step 6, through an injected function) or this package's rule-based fallback (not official;
 * results from it are labelled `extractor: 'rule'`).
 */
import { pyFloat } from '../common/py-float.js';
import { pyFloatRepr, pyIntOfString } from '../common/python-number.js';
import type { MathVistaProblem } from './types.js';

type ExtractProblem = Pick<MathVistaProblem, 'question_type' | 'answer_type' | 'choices'> & { readonly query?: string };

/** The official demo prompt of `evaluation/prompts/ext_ans.py`, trimmed (instruction line + five examples). */
export const MATHVISTA_EXTRACTION_DEMO = `Please read the following example. Then extract the answer from the model response and type it at the end of the prompt.

Hint: Please answer the question requiring an integer answer and provide the final value, e.g., 1, 2, 3, at the end.
Question: Which number is missing?

Model response: The number missing in the sequence is 14.

Extracted answer: 14

Hint: Please answer the question requiring a floating-point number with one decimal place and provide the final value, e.g., 1.2, 1.3, 1.4, at the end.
Question: What is the fraction of females facing the camera?

Model response: The fraction of females facing the camera is 0.6, which means that six out of ten females in the group are facing the camera.

Extracted answer: 0.6

Hint: Please answer the question requiring a floating-point number with two decimal places and provide the final value, e.g., 1.23, 1.34, 1.45, at the end.
Question: How much money does Luca need to buy a sour apple candy and a butterscotch candy? (Unit: $)

Model response: Luca needs $1.45 to buy a sour apple candy and a butterscotch candy.

Extracted answer: 1.45

Hint: Please answer the question requiring a Python list as an answer and provide the final list, e.g., [1, 2, 3], [1.2, 1.3, 1.4], at the end.
Question: Between which two years does the line  graph saw its maximum peak?

Model response: The line graph saw its maximum peak between 2007 and 2008.

Extracted answer: [2007, 2008]

Hint: Please answer the question and provide the correct option letter, e.g., A, B, C, D, at the end.
Question: What fraction of the shape is blue?
Choices:
(A) 3/11
(B) 8/11
(C) 6/11
(D) 3/5

Model response: The correct answer is (B) 8/11.

Extracted answer: B`;

/** The official LLM extraction prompt: `f"{demo_prompt}\n\n{query}\n\n{response}\n\nExtracted answer: "`. */
export function mathVistaExtractionPrompt(query: string, response: string): string {
  return `${MATHVISTA_EXTRACTION_DEMO}\n\n${query}\n\n${response}\n\nExtracted answer: `;
}

/**
 * `re.search(r'The answer is "(.*)"\.', response)` group 1, linear: the first prefix whose line (Python `.` stops only
 * at "\n") has a later `".`; the greedy group runs to the last `".` of that line.
 */
function quickExtract(text: string): string | undefined {
  const prefix = 'The answer is "';
  let from = 0;
  for (;;) {
    const at = text.indexOf(prefix, from);
    if (at < 0) return undefined;
    const start = at + prefix.length;
    const nl = text.indexOf('\n', start);
    const lineEnd = nl < 0 ? text.length : nl;
    const close = text.lastIndexOf('".', lineEnd - 2);
    if (close >= start) return text.slice(start, close);
    if (nl < 0) return undefined;
    from = nl + 1; // a later prefix on the same line cannot match either
  }
}

/** Official steps 1–5; undefined when the LLM (step 6) would be asked. */
export function officialCheapExtraction(response: string, problem: ExtractProblem, quick = false): string | undefined {
  if (response === '') return '';
  if (problem.question_type === 'multi_choice' && (problem.choices ?? []).includes(response)) return response;
  if (problem.answer_type === 'integer') {
    const i = pyIntOfString(response);
    if (i !== undefined) return i;
  }
  if (problem.answer_type === 'float') {
    const f = pyFloat(response);
    if (f !== undefined) return pyFloatRepr(f);
  }
  if (quick) {
    const q = quickExtract(response);
    if (q !== undefined) return q;
  }
  return undefined;
}

// Rule-based fallback (docs/benchmarks.md §3.2 last paragraph). All scans are linear: indexOf / lastIndexOf and
// regexes without nested quantifiers, applied to bounded slices.
const NUMBER = /-?\d+(?:,\d{3})*(?:\.\d+)?|-?\.\d+/g;
const LIST = /\[[^\[\]]*\]/g;
const LETTER = /(?:^|[^A-Za-z])\(?([A-H])\)?(?=$|[^A-Za-z])/g;
const TAIL_LIMIT = 2000;

/** Content of the last `\boxed{…}` with balanced braces. */
function lastBoxed(text: string): string | undefined {
  const start = text.lastIndexOf('\\boxed{');
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start + 6; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(start + 7, i);
  }
  return undefined;
}

function afterAnswerPhrase(text: string): string | undefined {
  const lower = text.toLowerCase();
  let best = -1;
  let len = 0;
  for (const phrase of ['answer is', 'answer:']) {
    const i = lower.lastIndexOf(phrase);
    if (i > best) {
      best = i;
      len = phrase.length;
    }
  }
  if (best < 0) return undefined;
  const rest = text.slice(best + len).replace(/^[\s:*]+/, '');
  const nl = rest.indexOf('\n');
  const line = (nl < 0 ? rest : rest.slice(0, nl)).trim();
  let end = line.length;
  while (end > 0 && '.* \t'.includes(line[end - 1])) end--;
  return line.slice(0, end);
}

function lastMatch(re: RegExp, text: string, group = 0): string | undefined {
  let last: string | undefined;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    last = m[group];
    if (m[0].length === 0) re.lastIndex++;
  }
  return last;
}

function firstMatch(re: RegExp, text: string, group = 0): string | undefined {
  re.lastIndex = 0;
  const m = re.exec(text);
  return m === null ? undefined : m[group];
}

/** The longest choice the text starts with (case-insensitive, followed by a non-word character). */
function leadingChoice(text: string, choices: readonly string[]): string | undefined {
  const lower = text.toLowerCase();
  let best: string | undefined;
  for (const choice of choices) {
    const c = String(choice).toLowerCase();
    if (c.length === 0 || !lower.startsWith(c)) continue;
    const next = lower.charAt(c.length);
    if (next !== '' && /[\p{L}\p{N}]/u.test(next)) continue;
    if (best === undefined || c.length > best.length) best = choice;
  }
  return best;
}

/**
 * Reduces a candidate to what the answer type wants (a number, a list, an option letter or choice text). After an
 * answer phrase the first number is the answer ("3 objects ... more than 90 percent"); in a bare tail, the last.
 */
function refine(candidate: string, problem: ExtractProblem, take: 'first' | 'last'): string {
  const c = candidate.trim();
  const bounded = c.length > TAIL_LIMIT ? (take === 'first' ? c.slice(0, TAIL_LIMIT) : c.slice(-TAIL_LIMIT)) : c;
  const pick = (re: RegExp, text: string, group = 0) => (take === 'first' ? firstMatch(re, text, group) : lastMatch(re, text, group));
  if (problem.question_type === 'multi_choice') {
    const choices = problem.choices ?? [];
    if (choices.includes(c)) return c;
    const lead = leadingChoice(c, choices);
    if (lead !== undefined) return lead;
    const letter = pick(LETTER, bounded, 1);
    if (letter !== undefined && letter.charCodeAt(0) - 65 < choices.length) return letter;
    return c;
  }
  if (problem.answer_type === 'list') return pick(LIST, bounded) ?? c;
  const number = pick(NUMBER, bounded);
  return number === undefined ? c : number.replaceAll(',', '');
}

/**
 * Rule-based extraction: official steps 1–4 (and quick extract), then `<answer>…</answer>`, else the last
 * `\boxed{…}`, else the text after the last "answer is"/"Answer:", else the last number / option letter / list.
 */
export function ruleBasedMathVistaExtraction(response: string, problem: ExtractProblem): string {
  const text = typeof response === 'string' ? response : String(response ?? '');
  const cheap = officialCheapExtraction(text, problem, true);
  if (cheap !== undefined) return cheap;
  const open = text.indexOf('<answer>');
  if (open >= 0) {
    const close = text.indexOf('</answer>', open);
    if (close >= 0) return refine(text.slice(open + 8, close), problem, 'first');
  }
  const boxed = lastBoxed(text);
  if (boxed !== undefined) return refine(boxed, problem, 'first');
  const phrase = afterAnswerPhrase(text.length > TAIL_LIMIT * 4 ? text.slice(-TAIL_LIMIT * 4) : text);
  if (phrase !== undefined && phrase !== '') return refine(phrase, problem, 'first');
  const tail = text.length > TAIL_LIMIT ? text.slice(-TAIL_LIMIT) : text;
  return refine(tail, problem, 'last');
}

/** Extraction through an LLM (official step 6). A failed call gives "" as in the official script. */
export type MathVistaLlmExtract = (prompt: string) => Promise<string>;

/**
 * The official extraction: steps 1–5, then the LLM on the official prompt (`query` = the problem's official query
 * text). Never rejects.
 */
export async function officialMathVistaExtraction(
  response: string,
  problem: ExtractProblem & { readonly query: string },
  extract: MathVistaLlmExtract,
  options: { quickExtract?: boolean } = {},
): Promise<string> {
  const text = typeof response === 'string' ? response : String(response ?? '');
  const cheap = officialCheapExtraction(text, problem, options.quickExtract ?? false);
  if (cheap !== undefined) return cheap;
  try {
    const out = await extract(mathVistaExtractionPrompt(problem.query, text));
    return typeof out === 'string' ? out : '';
  } catch {
    return '';
  }
}

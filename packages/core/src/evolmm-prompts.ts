/**
 * The EvoLMM prompts, byte-exact as the reference code sends them (docs/method.md §2): the first line has no
 * indent and every following line carries 16 spaces (an indented triple-quoted Python string trimmed only at
 * the ends), so the <question>/<rationale> lines carry 18. "1–2" uses U+2013.
 */
const INDENT = ' '.repeat(16);

function referenceText(lines: string[]): string {
  return lines.map((l, i) => (i === 0 ? l : INDENT + l)).join('\n');
}

export const PROPOSER_PROMPT = referenceText([
  'You are a Question Proposer.',
  'Given the IMAGE, generate **one** short-answer question',
  'that can be answered from the image alone (no external knowledge). Avoid ambiguity, avoid',
  'trivia, and avoid overly simple counting if possible.',
  'Rules:',
  '- Output exactly in XML with two tags:',
  '  <question> ... </question>',
  '  <rationale>Briefly explain why this question is non-trivial but solvable.</rationale>',
  '- Do NOT include the answer.',
  '- Keep the question 1\u20132 sentences, clear and specific.',
  '- If numeric, make sure units/context are clear.',
  'Only output the two XML tags, nothing else.',
]);

const SOLVER_PROMPT_HEAD = referenceText([
  "You are a precise Vision-Language Solver.",
  "Task: Answer the user's question using ONLY the provided IMAGE.",
  '- Think briefly, then provide a short final answer (number/word/phrase).',
  '- Wrap ONLY the final answer in <answer>...</answer>.',
  '- Do not include steps, just the final answer in the tag.',
  'Question: ',
]);

/** The Solver prompt for a parsed question. */
export function solverPrompt(question: string): string {
  return SOLVER_PROMPT_HEAD + question;
}

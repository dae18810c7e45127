import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mathvista } from './benchmark.js';
import {
  MATHVISTA_EXTRACTION_DEMO,
  officialCheapExtraction,
  officialMathVistaExtraction,
  ruleBasedMathVistaExtraction,
} from './extract.js';
import type { MathVistaItem } from './loader.js';
import { normalizeMathVistaAnswer } from './normalize.js';
import { openAiCompatibleExtractor } from './openai-extractor.js';
import type { MathVistaOutputRecord } from './rescore.js';

const RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/benchdata/mathvista/results');
const MC = { question_type: 'multi_choice', answer_type: 'text', choices: ['97', '102', '107', '122'] } as const;
const INT = { question_type: 'free_form', answer_type: 'integer', choices: null } as const;
const FLOAT = { question_type: 'free_form', answer_type: 'float', choices: null } as const;
const LIST = { question_type: 'free_form', answer_type: 'list', choices: null } as const;

describe('official cheap extraction steps 1–5', () => {
  it('empty, exact choice, int(), float(), quick extract', () => {
    expect(officialCheapExtraction('', INT)).toBe('');
    expect(officialCheapExtraction('107', MC)).toBe('107');
    expect(officialCheapExtraction(' 0012 ', INT)).toBe('12');
    expect(officialCheapExtraction('3.50', FLOAT)).toBe('3.5');
    expect(officialCheapExtraction('1e-5', FLOAT)).toBe('1e-05');
    expect(officialCheapExtraction('3.5', INT)).toBeUndefined(); // int("3.5") raises → LLM step
    expect(officialCheapExtraction('The answer is "B".', MC)).toBeUndefined(); // quick extract is off by default
    expect(officialCheapExtraction('The answer is "B".', MC, true)).toBe('B');
  });
});

describe('rule-based extraction (not official)', () => {
  it.each([
    ['<answer>(C)</answer>', MC, 'C', '107'],
    ['so \\boxed{\\frac{1}{2}} no; final \\boxed{12}', INT, '12', '12'],
    ['The answer is 1,250 people.', INT, '1250', '1250'],
    ['Answer: B. 102', MC, 'B', '102'],
    ['The answer is 102 degrees', MC, '102', '102'],
    ['I think it is 3.14159 roughly', FLOAT, '3.14159', '3.14'],
    ['The answer is [2007, 2008].', LIST, '[2007, 2008]', '[2007, 2008]'],
    ['no digits here', INT, 'no digits here', null],
  ])('%j', (response, problem, extraction, normalised) => {
    const e = ruleBasedMathVistaExtraction(response, problem);
    expect(e).toBe(extraction);
    expect(normalizeMathVistaAnswer(e, { ...problem, precision: 2 })).toBe(normalised);
  });

  it('agrees with the stored (GPT) extractions of the published files as measured', () => {
    // Agreement of normalised predictions; chatgpt_2shot_code responses are Python programs whose stored
    // extraction came from running them, which this package never does.
    const agreement = (f: string) => {
      const d = JSON.parse(fs.readFileSync(path.join(RESULTS, f), 'utf8')) as Record<string, MathVistaOutputRecord & { response: string }>;
      let same = 0;
      for (const r of Object.values(d)) {
        const p = r as unknown as Parameters<typeof normalizeMathVistaAnswer>[1];
        if (normalizeMathVistaAnswer(ruleBasedMathVistaExtraction(r.response.trim(), p), p) === normalizeMathVistaAnswer(r.extraction, p)) same++;
      }
      return same;
    };
    expect(agreement('bard/output_bard.json')).toBeGreaterThanOrEqual(910); // measured 915 / 1000
    expect(agreement('random/output_random_guess.json')).toBe(1000);
  });
});

describe('LLM extraction (official step 6) through an injected function', () => {
  const item = {
    pid: '5', question: 'Find $m\\angle H$', choices: ['97', '102', '107', '122'], unit: null, precision: null, answer: '97',
    question_type: 'multi_choice', answer_type: 'text', metadata: { language: 'english', skills: ['geometry reasoning'] }, query: 'QUERY TEXT', image: 'x.jpg',
  } as unknown as MathVistaItem;

  it('sends the official prompt and uses the reply', async () => {
    const prompts: string[] = [];
    const extract = async (prompt: string) => {
      prompts.push(prompt);
      return 'A';
    };
    expect(await officialMathVistaExtraction('It must be the first one.', item as never, extract)).toBe('A');
    expect(prompts[0]).toBe(`${MATHVISTA_EXTRACTION_DEMO}\n\nQUERY TEXT\n\nIt must be the first one.\n\nExtracted answer: `);
    expect(MATHVISTA_EXTRACTION_DEMO.startsWith('Please read the following example.')).toBe(true);
    expect(MATHVISTA_EXTRACTION_DEMO.match(/Extracted answer: /g)).toHaveLength(5);
    // the cheap steps short-circuit the LLM
    expect(await officialMathVistaExtraction('97', item as never, extract)).toBe('97');
    expect(prompts).toHaveLength(1);
  });

  it('a failing call gives "" (→ the shortest choice after normalisation), never a rejection', async () => {
    const failing = async () => {
      throw new Error('network down');
    };
    const bench = mathvista({ extract: failing });
    const s = await bench.scoreAsync(item, 'whatever it is');
    expect(s).toMatchObject({ extraction: '', extractor: 'llm', prediction: '97', correct: true });
    const rule = mathvista().score(item, 'The answer is (B).');
    expect(rule).toMatchObject({ extractor: 'rule', prediction: '102', correct: false });
    const summary = bench.summarize([s, rule]);
    expect(summary.breakdowns.skills).toEqual({ 'geometry reasoning': { correct: 1, total: 2, accuracy: 50 } });
    expect(bench.officialScores([s, rule]).average).toEqual({ accuracy: '50.0', correct: 1, total: 2 });
  });

  it('openAiCompatibleExtractor posts a temperature-0 chat request and returns the trimmed reply', async () => {
    const calls: { url: string; body: Record<string, unknown>; auth?: string }[] = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, body: JSON.parse(String(init.body)), auth: (init.headers as Record<string, string>).authorization });
      return new Response(JSON.stringify({ choices: [{ message: { content: ' B \n' } }] }), { status: 200 });
    }) as unknown as typeof fetch;
    const extract = openAiCompatibleExtractor({ baseURL: 'http://localhost:8000/v1/', model: 'judge', apiKey: 'k', fetch: fakeFetch });
    expect(await extract('PROMPT')).toBe('B');
    expect(calls[0]).toEqual({
      url: 'http://localhost:8000/v1/chat/completions',
      body: { model: 'judge', messages: [{ role: 'user', content: 'PROMPT' }], temperature: 0, max_tokens: 256 },
      auth: 'Bearer k',
    });
    const failing = openAiCompatibleExtractor({ baseURL: 'http://x/v1', model: 'm', fetch: (async () => new Response('no', { status: 500 })) as unknown as typeof fetch });
    expect(await officialMathVistaExtraction('text', { ...item, query: 'q' } as never, failing)).toBe('');
  });
});

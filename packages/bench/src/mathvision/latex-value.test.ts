import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ComputeEngine } from '@cortex-js/compute-engine';
import { describe, expect, it } from 'vitest';
import { cheapLatexValue } from './cheap-value.js';
import { latexValue } from './latex-value.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../shared/benchdata/mathvision');

describe('latexValue: the numeric path of MATH-V is_equal', () => {
  it.each([
    ['\\frac{1}{3}', 1 / 3],
    ['$\\frac{1}{3}$', 1 / 3],
    ['2\\sqrt{3}', 2 * Math.sqrt(3)],
    ['\\sqrt[3]{8}', 2],
    ['3\\pi', 3 * Math.PI],
    ['5-2-3-1-4', -5],
    ['1:1', 1], // a:b is a ratio (docs/benchmarks.md §3.3 quirks)
    ['1:4:9', 1 / 4 / 9],
    ['2^{10}', 1024],
    ['(\\sqrt{2}-1)^{2}', (Math.SQRT2 - 1) ** 2],
    ['6 \\times 6 \\times 6 \\times 6', 1296],
    ['2 \\cdot 4 \\cdot 3', 24],
    ['\\displaystyle \\frac{3}{4}', 0.75],
    ['\\frac{3^{1008}-1}{3^{1009}}', 1 / 3],
    ['4 \\pi(3-2 \\sqrt{2})', 4 * Math.PI * (3 - 2 * Math.SQRT2)],
    ['8.0', 8],
    ['6\\frac{1}{4}', 1.5], // implicit multiplication as in latex2sympy, not the mixed number 6¼
    ['2 \\dfrac{\\pi}{3}', (2 * Math.PI) / 3],
  ])('%s', (latex, expected) => {
    expect(latexValue(latex)).toBeCloseTo(expected, 9);
  });

  it.each([
    'x', 'e', 'i', '3a', 'thereare5', '45^\\circ', '\\infty', '12%', '1,000', '4/3', '3\\sqrt{3}-\\pi \\', '', 'process.exit()', '${globalThis.x=1}',
  ])('%s has no value (the official path raises → not equal)', (latex) => {
    expect(latexValue(latex)).toBeUndefined();
  });

  it('the cheap path agrees with compute-engine on every published answer and option it accepts', () => {
    const strings = new Set<string>();
    for (const line of fs.readFileSync(path.join(ROOT, 'data/test.jsonl'), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const p = JSON.parse(line) as { answer: string; options: string[] };
      strings.add(p.answer.replaceAll('$', ''));
      for (const o of p.options) strings.add(o.replaceAll('$', '').toLowerCase());
    }
    for (const f of ['outputs/Random-Chance.jsonl', 'outputs/closed-source/Gemini/Gemini-Pro.jsonl']) {
      for (const line of fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n')) if (line.trim()) strings.add(JSON.parse(line).model_answer);
    }
    const ce = new ComputeEngine();
    let checked = 0;
    for (const s of strings) {
      const cheap = cheapLatexValue(s);
      if (cheap === undefined) continue;
      checked++;
      const engine = ce.parse(s.replaceAll(':', '/')).N().re;
      expect({ s, v: cheap }).toEqual({ s, v: expect.closeTo(engine, 9) });
    }
    expect(checked).toBeGreaterThan(500);
  });
});

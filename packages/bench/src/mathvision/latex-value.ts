/**
 * The numeric path of MATH-V's `is_equal` (docs/benchmarks.md §3.3): `round(eval(latex2sympy(x)), 2)`. LaTeX is
 * parsed with @cortex-js/compute-engine (a maintained LaTeX math library; nothing is ever `eval`ed) after a cheap
 * pre-check, and plain decimals skip the engine entirely so scoring thousands of items stays fast.
 *
 * What evaluates: numbers, + − · × ÷ / ^, parentheses, `\frac`, `\sqrt` (with index), `\pi`, implicit
 * multiplication, `!`, `\\displaystyle` (ignored), and `a:b` as a ratio (latex2sympy reads it as a division; compute-engine would give `Colon`
 * → NaN, so `:` is rewritten to `/`). What does not: anything with free letters (latex2sympy makes symbols, and
 * `eval` of a symbol raises, so the comparison is False; compute-engine would read `e` as Euler's number and `i` as
 * the imaginary unit), `\circ` (compute-engine reads `45^\circ` as π/4; latex2sympy has no degree rule, and the
 * official response cleanup already deleted every `^\circ`), `\infty`, `%`, commas, and a plain `/`: the published
 * Gemini-Pro result counts "4/3" against gold `\frac{4}{3}` (id 3013) as wrong, so that path fails on `/`
 * (responses of the form int/int were already rewritten to `\frac` by `_fix_a_slash_b`).
 */
import { createRequire } from 'node:module';
import type { ComputeEngine } from '@cortex-js/compute-engine';
import { cheapLatexValue } from './cheap-value.js';

/** LaTeX commands the numeric path accepts; any other command makes the value undefined. */
const ALLOWED_COMMANDS = new Set(['frac', 'dfrac', 'tfrac', 'sqrt', 'pi', 'cdot', 'times', 'div', 'left', 'right', 'displaystyle']);
const PLAIN_DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
const ALLOWED_CHARS = /^[0-9a-z\\{}()[\]+\-*^.!|:\s]*$/i;
const COMMAND = /\\([a-zA-Z]+)/g;
const MIXED_NUMBER = /(\d)\s*\\([dt]?frac)/g;
/** Longest input the engine sees: real answers are short; long text is never a number here. */
const MAX_LATEX_LENGTH = 1000;
const CACHE_LIMIT = 20_000;

let engine: ComputeEngine | undefined;

/**
 * The engine is loaded on first use, not at import: compiling its module costs ~0.3 s (docs/performance.md finding 4)
 * and every importer of @evolmm/bench paid it, although only LaTeX answers that `cheapLatexValue` cannot read ever
 * reach it. Scoring is synchronous, so the package's CommonJS build is loaded with `require`.
 */
function getEngine(): ComputeEngine {
  if (!engine) {
    const load = createRequire(import.meta.url);
    const { ComputeEngine: Engine } = load('@cortex-js/compute-engine') as typeof import('@cortex-js/compute-engine');
    engine = new Engine();
  }
  return engine;
}

const cache = new Map<string, number | undefined>();

/**
 * Loads and builds the LaTeX engine now (about 0.5 s cold, otherwise paid by the first LaTeX answer scored), e.g. before timing a
 * scoring run.
 */
export function prepareMathVisionScorer(): void {
  getEngine().parse('\\frac{1}{2}').N();
}

function evaluateWithEngine(latex: string): number | undefined {
  const ce = getEngine();
  try {
    const expr = ce.parse(latex);
    if (!expr.isValid) return undefined;
    const unknowns = (expr as unknown as { unknowns?: readonly string[] }).unknowns ?? expr.symbols ?? [];
    if (unknowns.some((s: string) => s !== 'Pi')) return undefined;
    const n = expr.N();
    const re = n.re;
    const im = n.im;
    if (typeof re !== 'number' || !Number.isFinite(re)) return undefined;
    if (typeof im === 'number' && im !== 0 && !Number.isNaN(im)) return undefined;
    return re;
  } catch {
    return undefined; // the engine must never make a scorer throw
  }
}

/** Pre-check: only digits, operators, brackets and the allowed commands; no other letters. */
function looksNumeric(text: string): boolean {
  if (!ALLOWED_CHARS.test(text)) return false;
  const withoutCommands = text.replace(COMMAND, (_, name: string) => (ALLOWED_COMMANDS.has(name) ? ' ' : '#'));
  // A stray backslash (e.g. the "\\$" left in option 2229 D) makes latex2sympy fail too.
  return !/[a-zA-Z#\\]/.test(withoutCommands);
}

/**
 * The real value of a LaTeX answer as MATH-V's numeric path would compute it, or undefined where that path raises.
 * `$` signs are dropped first (gold option texts keep them).
 */
export function latexValue(input: string): number | undefined {
  const text = input.replaceAll('$', '').trim();
  if (text.length === 0 || text.length > MAX_LATEX_LENGTH) return undefined;
  if (PLAIN_DECIMAL.test(text)) return Number(text);
  if (cache.has(text)) return cache.get(text);
  let value: number | undefined;
  if (looksNumeric(text)) {
    // compute-engine reads `6\frac{1}{4}` as the mixed number 6¼; latex2sympy multiplies (6·¼ = 1.5), so make
    // that multiplication explicit.
    const latex = text.replaceAll(':', '/').replace(MIXED_NUMBER, '$1\\cdot\\$2');
    value = cheapLatexValue(text) ?? evaluateWithEngine(latex);
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, value);
  return value;
}

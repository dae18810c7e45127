/**
 * ChartQA relaxed accuracy, exactly as lmms-eval / Qwen-VL / pix2struct compute it (docs/benchmarks.md §3.1):
 *
 *   to_float(t): if t ends with "%": float(t.rstrip("%")) / 100  else float(t);  ValueError → None
 *   relaxed(pred, target):
 *     p, g = to_float(pred), to_float(target)
 *     if p is not None and g:  return |p − g| / |g| ≤ 0.05      (inclusive)
 *     return pred.lower() == target.lower()                     (no trim, no punctuation removal)
 *
 * Consequences kept on purpose: "Yes." ≠ "Yes"; "45%" vs "45" is wrong (0.45 vs 45); "1,000" is not a number;
 * NaN is never within tolerance; a target of "0" falls back to string equality.
 */
import { parsePythonFloat } from './python-float.js';

/** ChartQA's `_to_float`: a trailing "%" (every trailing "%", as `rstrip`) divides by 100. */
function chartqaToFloat(text: string): number | undefined {
  if (text.endsWith('%')) {
    let end = text.length;
    while (end > 0 && text[end - 1] === '%') end--; // rstrip("%"), without a regex that is quadratic on long runs
    const value = parsePythonFloat(text.slice(0, end));
    return value === undefined ? undefined : value / 100;
  }
  return parsePythonFloat(text);
}

/**
 * Whether `prediction` counts as correct for `target` under ChartQA's relaxed accuracy.
 * @param maxRelativeChange the relative tolerance, inclusive (default 0.05, the official 5 %).
 */
export function relaxedCorrectness(prediction: string, target: string, maxRelativeChange = 0.05): boolean {
  const p = chartqaToFloat(prediction);
  const g = chartqaToFloat(target);
  // Python truthiness of g: not None and not 0.0 (NaN is truthy, and then the comparison below is false).
  if (p !== undefined && g !== undefined && g !== 0) {
    return Math.abs(p - g) / Math.abs(g) <= maxRelativeChange;
  }
  return prediction.toLowerCase() === target.toLowerCase();
}

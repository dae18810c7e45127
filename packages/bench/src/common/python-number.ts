/**
 * Python number semantics that the official scorers depend on (docs/benchmarks.md §3.2 "Python emulation
 * details", §3.3 "Aggregation"): `round(x, n)` is half-to-even on the exact binary value, `str(float)` is the
 * shortest repr with `.0` kept and exponent form from 1e16 and below 1e-4, `"{:.2f}".format` rounds like `round`,
 * and `int(str)` has its own grammar. JS `toFixed` rounds exact ties up and `String(x)` switches to exponent form at
 * other thresholds, so published strings such as "25.70" or "18.6%" need these.
 */

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

/** |x| = mantissa · 2^exponent exactly (x finite). */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  F64[0] = Math.abs(x);
  const bits = U64[0];
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** round-half-even(|x| · 10^n) as a bigint, computed exactly (n ≥ 0, x finite). */
function scaledRound(x: number, n: number): bigint {
  const { mantissa, exponent } = decompose(x);
  const scaled = mantissa * 10n ** BigInt(n);
  if (exponent >= 0) return scaled << BigInt(exponent);
  const shift = BigInt(-exponent);
  const q = scaled >> shift;
  const r = scaled - (q << shift);
  const twice = r << 1n;
  const denom = 1n << shift;
  if (twice > denom || (twice === denom && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** Python `round(x, n)` for a float and n ≥ 0 (half-to-even on the exact binary value). */
export function pyRound(x: number, n: number): number {
  if (!Number.isFinite(x)) return x;
  const q = scaledRound(x, n);
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  return Number(`${sign}${q}e-${n}`);
}

/** Python `"{:.nf}".format(x)`. */
export function pyFormatFixed(x: number, n: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const digits = scaledRound(x, n).toString().padStart(n + 1, '0');
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  return n === 0 ? sign + digits : `${sign}${digits.slice(0, -n)}.${digits.slice(-n)}`;
}

/** Python `repr(x)` / `str(x)` of a float. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip, as Python's repr does.
  const [mant, expText] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  if (exp >= 16 || exp < -4) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Python `str(int(x))` for a float x; undefined where Python raises (nan, inf). */
export function pyIntOfFloat(x: number): string | undefined {
  if (!Number.isFinite(x)) return undefined;
  return BigInt(Math.trunc(x)).toString();
}

const UNICODE_DIGIT = /\p{Nd}/u;
/** Non-ASCII characters for which Python's str.isspace() is true. */
const UNICODE_SPACE = /[\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const ASCII_SPACES = ' \t\n\v\f\r';
const INT_GRAMMAR = /^([+-]?)(\d(?:_?\d)*)$/;

/**
 * CPython's `_PyUnicode_TransformDecimalAndSpaceToASCII`: Unicode whitespace → ' ', Unicode decimal digits (category
 * Nd, contiguous runs of ten) → ASCII digits, any other non-ASCII character → '?' (invalid in every grammar).
 */
function transformToAscii(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out += ch;
    else if (UNICODE_SPACE.test(ch)) out += ' ';
    else if (!UNICODE_DIGIT.test(ch)) out += '?';
    else {
      let start = cp;
      while (start > 0 && UNICODE_DIGIT.test(String.fromCodePoint(start - 1))) start--;
      out += String((cp - start) % 10);
    }
  }
  return out;
}

/**
 * Python `str(int(text))` for a string (base 10); undefined where Python raises ValueError. After the transform,
 * `int()` strips only ASCII C-locale whitespace (so "\x1c12" raises, as in CPython).
 */
export function pyIntOfString(text: string): string | undefined {
  const ascii = transformToAscii(text);
  let start = 0;
  let end = ascii.length;
  while (start < end && ASCII_SPACES.includes(ascii[start])) start++;
  while (end > start && ASCII_SPACES.includes(ascii[end - 1])) end--;
  const m = INT_GRAMMAR.exec(ascii.slice(start, end));
  if (!m) return undefined;
  const digits = m[2].replaceAll('_', '');
  // Python 3.11+ refuses int/str conversions beyond 4300 digits (sys.get_int_max_str_digits()).
  if (digits.length > 4300) return undefined;
  const value = BigInt(digits);
  return (m[1] === '-' ? -value : value).toString();
}

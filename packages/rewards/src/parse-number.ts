/**
 * Reading a number out of a short answer, the way people and models write them in chart and math answers:
 * signs (also U+2212), currency prefixes, thousands separators (",", thin/no-break spaces, used consistently, in
 * groups of three), decimals, scientific notation ("1.2e3", "1.2 × 10^3", "1.2\times10^{3}"), fractions ("3/4",
 * "1 1/2", "\frac{3}{4}"), percentages ("50%", "50 percent", "50\%"), trailing units ("5 cm", "12 km/h") and
 * LaTeX wrappers ("$5$"). A string with anything else (two numbers, words before the number) is not a number.
 * "1,5" is rejected rather than guessed (European decimal or a list?).
 */

/** A parsed quantity: the number as written, whether a percent sign followed it, and the unit text (if any). */
export interface Quantity {
  /** The value as written: "50%" → 50, "3/4" → 0.75, "1.2e3" → 1200. Always finite. */
  readonly value: number;
  /** A percent sign or word followed the number. */
  readonly percent: boolean;
  /** Unit text after the number (lower-cased, trimmed), or a currency symbol before it; undefined when none. */
  readonly unit?: string;
}

/** Longest input considered: a number with units is short, and this bounds the regex work on huge outputs. */
const MAX_LENGTH = 256;

// Thousands separators: commas (typographic thin/no-break spaces are removed in clean(); a plain space is not a
// separator, or "100 200" would be one number).
const DEC = String.raw`(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)`;
const UINT = String.raw`\d+`;
const NUMBER_FORMS: { re: RegExp; value: (m: RegExpExecArray) => number }[] = [
  // \frac{a}{b}, \dfrac, \tfrac, and the shorthand \frac12
  {
    re: /^\\[dt]?frac\s*\{\s*(\d+(?:\.\d+)?)\s*\}\s*\{\s*(\d+(?:\.\d+)?)\s*\}|^\\[dt]?frac(\d)(\d)/,
    value: (m) => (m[1] !== undefined ? Number(m[1]) / Number(m[2]) : Number(m[3]) / Number(m[4])),
  },
  // mixed number "1 1/2"
  { re: new RegExp(`^(${UINT})\\s+(${UINT})\\s*/\\s*(${UINT})`), value: (m) => Number(m[1]) + Number(m[2]) / Number(m[3]) },
  // fraction "3/4", "2.5/5"
  {
    re: /^(\d+(?:\.\d+)?|\.\d+)\s*\/\s*(\d+(?:\.\d+)?|\.\d+)(?![\d.])/,
    value: (m) => Number(m[1]) / Number(m[2]),
  },
  // scientific with an explicit power of ten: "1.2 × 10^3", "1.2\times10^{-3}", "1.2*10^3"
  {
    re: new RegExp(`^(${DEC})\\s*(?:[x×*·]|\\\\times|\\\\cdot)\\s*10\\s*\\^\\s*(?:\\{\\s*([+-]?\\d+)\\s*\\}|([+-]?\\d+))`),
    value: (m) => decimal(m[1], m[2] ?? m[3]),
  },
  // plain decimal with optional e-notation
  { re: new RegExp(`^(${DEC})(?:[eE]([+-]?\\d+))?`), value: (m) => decimal(m[1], m[2]) },
];

/** Digits (separators removed) times 10^exponent, rounded once, correctly, by Number's parser. */
function decimal(text: string, exponent?: string): number {
  const digits = text.replaceAll(',', '');
  return Number(exponent === undefined ? digits : `${digits}e${exponent}`);
}

/** Undo the LaTeX and typography that carry no value: $…$, \(…\), \%, \$, \,, \text{…}, ^\circ, U+2212. */
function clean(text: string): string {
  // "1½" must read as 1 + ½, but NFKC would turn it into "11⁄2": separate a digit from a vulgar fraction first.
  // NFKC also turns the typographic thousands spaces into plain spaces, so remove them (between digit groups) first.
  let s = text
    .replace(/(\d)([\u00bc-\u00be\u2150-\u215e])/g, '$1 $2')
    .replace(/(?<=\d)[\u00a0\u2009\u202f](?=\d{3}(?!\d))/g, '')
    .normalize('NFKC').replace(/[\u2212\u2012\u2013\ufe63]/g, '-').replace(/\u2044/g, '/').trim();
  s = s.replace(/^\\\(([\s\S]*)\\\)$/, '$1').replace(/^\\\[([\s\S]*)\\\]$/, '$1');
  if (s.length >= 3 && s.startsWith('$') && s.endsWith('$')) s = s.slice(1, -1).replace(/^\$|\$$/g, '');
  s = s
    .replace(/\\%/g, '%')
    .replace(/\\\$/g, '$')
    .replace(/\\[,;! ]/g, '')
    .replace(/\\(?:text|mathrm|textrm|mbox)\s*\{([^{}]*)\}/g, ' $1')
    .replace(/\^\s*\{?\s*\\circ\s*\}?/g, '°')
    .replace(/\\left|\\right/g, '')
    .trim();
  return s.replace(/[.!?;:。]+$/u, '').trim();
}

/**
 * Parses a short answer into a Quantity, or undefined when it is not a single number (see the module comment for
 * the accepted forms). Pure; never throws.
 */
export function parseQuantity(text: string): Quantity | undefined {
  if (typeof text !== 'string' || text.length > MAX_LENGTH * 4) return undefined;
  let s = clean(text);
  if (s === '' || s.length > MAX_LENGTH) return undefined;
  // Sign and currency in either order: "-$5", "$-5", "+5".
  const head = /^([+-])?\s*([$€£¥₹])?\s*([+-])?\s*/u.exec(s)!;
  if (head[1] && head[3]) return undefined;
  const negative = (head[1] ?? head[3]) === '-';
  const currency = head[2];
  s = s.slice(head[0].length);
  for (const form of NUMBER_FORMS) {
    const m = form.re.exec(s);
    if (!m) continue;
    const magnitude = form.value(m);
    if (!Number.isFinite(magnitude)) return undefined;
    let rest = s.slice(m[0].length).trim();
    let percent = false;
    const pct = /^(?:%|percent\b|per\s?cent\b)/iu.exec(rest);
    if (pct) {
      percent = true;
      rest = rest.slice(pct[0].length).trim();
    }
    // A unit is short text without a second number ("12 km/h", "5 m^2" are fine; "5 and 6" is not), and not
    // the rest of a hexadecimal/binary/octal literal or a product ("0x10", "2x3").
    if (
      rest !== '' &&
      (rest.length > 32 ||
        /(?:^|[\s(,;])[+-]?\.?\d/u.test(rest) ||
        !/^[\p{L}°µ'"/^$€£¥₹]/u.test(rest) ||
        /^[x×*·]\s*\d/iu.test(rest) ||
        (m[0] === '0' && /^[box][\da-f]/i.test(rest)))
    ) {
      return undefined;
    }
    const unitText = rest !== '' ? rest.toLowerCase() : currency;
    const value = negative ? -magnitude : magnitude;
    return unitText === undefined ? { value, percent } : { value, percent, unit: unitText };
  }
  return undefined;
}

/**
 * The numeric value of a short answer, or undefined when it is not one number. A percentage is returned as a
 * fraction ("50%" → 0.5); use parseQuantity for the value as written and the unit.
 */
export function parseNumber(text: string): number | undefined {
  const q = parseQuantity(text);
  if (q === undefined) return undefined;
  return q.percent ? q.value / 100 : q.value;
}

const LAST_NUMBER = /[+-]?\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d+)?(?:\s*%)?/g;

/**
 * The last number written anywhere in `text` ("The answer is 42 cm." → 42 as a Quantity). For outputs that did
 * not isolate their answer. Looks at the last 4,096 characters only.
 */
export function lastQuantity(text: string): Quantity | undefined {
  const tail = typeof text === 'string' ? text.slice(-4096) : '';
  let last: string | undefined;
  for (const m of tail.matchAll(LAST_NUMBER)) last = m[0].replace(/,+$/, '');
  return last === undefined ? undefined : parseQuantity(last);
}

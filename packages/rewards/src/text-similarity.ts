/**
 * String similarity in [0, 1] with `natural`: Jaro–Winkler, Sørensen–Dice on character bigrams, and TF-IDF
 * cosine over tokens. Tokenisation and stemming apply to every metric (the character metrics compare the
 * normalised tokens joined by single spaces).
 *
 * natural's own TfIdf class keeps terms as keys of plain objects, so a token such as "__proto__" or
 * "constructor" in model output corrupts it; the TF-IDF cosine here uses Maps with the same smoothed idf,
 * idf(t) = 1 + ln(D / (1 + df(t))), which is always > 0.
 */
import jaroWinkler from 'natural/lib/natural/distance/jaro-winkler_distance.js';
import dice from 'natural/lib/natural/distance/dice_coefficient.js';
import porter from 'natural/lib/natural/stemmers/porter_stemmer.js';
import lancaster from 'natural/lib/natural/stemmers/lancaster_stemmer.js';
import { WordTokenizer } from 'natural/lib/natural/tokenizers/regexp_tokenizer.js';
import TreebankWordTokenizer from 'natural/lib/natural/tokenizers/treebank_word_tokenizer.js';

export type SimilarityMetric = 'jaro-winkler' | 'dice' | 'tfidf-cosine';

export interface TextSimilarityOptions {
  /** Default 'tfidf-cosine'. */
  metric?: SimilarityMetric;
  /**
   * 'unicode' (default): runs of Unicode letters/digits, decimals kept ("3.5"); 'word': natural's WordTokenizer
   * (ASCII letters only); 'treebank': natural's Penn Treebank tokenizer; 'whitespace'; or your own function.
   */
  tokenizer?: 'unicode' | 'word' | 'treebank' | 'whitespace' | ((text: string) => string[]);
  /** 'none' (default), 'porter' or 'lancaster' (natural's English stemmers). */
  stemmer?: 'none' | 'porter' | 'lancaster';
  /** Lower-case before comparing. Default true. */
  caseInsensitive?: boolean;
  /** Only the first maxChars characters are compared (Jaro–Winkler is quadratic). Default 2,000. */
  maxChars?: number;
}

const wordTokenizer = new WordTokenizer();
const treebankTokenizer = new TreebankWordTokenizer();

function tokenizerOf(opt: TextSimilarityOptions['tokenizer']): (text: string) => string[] {
  if (typeof opt === 'function') return opt;
  switch (opt ?? 'unicode') {
    case 'word':
      return (t) => wordTokenizer.tokenize(t);
    case 'treebank':
      return (t) => treebankTokenizer.tokenize(t);
    case 'whitespace':
      return (t) => t.split(/\s+/u);
    default:
      return (t) => t.match(/[\p{L}\p{N}]+(?:[.,][\p{N}]+)*/gu) ?? [];
  }
}

function stemmerOf(opt: TextSimilarityOptions['stemmer']): (token: string) => string {
  if (opt === 'porter') return (t) => porter.stem(t);
  if (opt === 'lancaster') return (t) => lancaster.stem(t);
  return (t) => t;
}

/** Turns text into normalised tokens under `opts`. Never throws (a throwing custom tokenizer gives no tokens). */
export function createTokenize(opts: TextSimilarityOptions = {}): (text: string) => string[] {
  const tokenize = tokenizerOf(opts.tokenizer);
  const stem = stemmerOf(opts.stemmer);
  const lower = opts.caseInsensitive ?? true;
  const maxChars = opts.maxChars ?? 2000;
  return (text) => {
    let s = typeof text === 'string' ? text.slice(0, maxChars) : '';
    if (lower) s = s.toLowerCase();
    let tokens: unknown;
    try {
      tokens = tokenize(s);
    } catch {
      tokens = [];
    }
    if (!Array.isArray(tokens)) return [];
    return tokens
      .filter((t): t is string => typeof t === 'string' && t !== '')
      .map((t) => {
        try {
          const stemmed = stem(t);
          return typeof stemmed === 'string' && stemmed !== '' ? stemmed : t;
        } catch {
          return t;
        }
      });
  };
}

function termCounts(tokens: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of tokens) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

/**
 * TF-IDF cosine of two token lists; idf from `corpus` (token lists, which should include both; default [a, b]).
 * Raw counts as tf, as natural does. Two empty documents are identical (1); one empty one is 0.
 */
export function tfidfCosine(a: readonly string[], b: readonly string[], corpus?: readonly (readonly string[])[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 1 : 0;
  const docs = (corpus ?? [a, b]).map((d) => new Set(d));
  const idf = (term: string) => {
    let df = 0;
    for (const d of docs) if (d.has(term)) df++;
    return 1 + Math.log(docs.length / (1 + df));
  };
  const ca = termCounts(a);
  const cb = termCounts(b);
  const weights = new Map<string, number>();
  for (const t of new Set([...ca.keys(), ...cb.keys()])) weights.set(t, idf(t));
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [t, w] of weights) {
    const x = (ca.get(t) ?? 0) * w;
    const y = (cb.get(t) ?? 0) * w;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  const cos = dot / Math.sqrt(na * nb);
  return Number.isFinite(cos) ? Math.min(1, Math.max(0, cos)) : 0;
}

/** Similarity of two token lists under `metric`, in [0, 1]. */
export function tokenSimilarity(
  a: readonly string[],
  b: readonly string[],
  metric: SimilarityMetric,
  corpus?: readonly (readonly string[])[],
): number {
  if (metric === 'tfidf-cosine') return tfidfCosine(a, b, corpus);
  const sa = a.join(' ');
  const sb = b.join(' ');
  if (sa === sb) return 1; // also covers two empty strings, where Dice would divide 0 by 0
  const v = metric === 'dice' ? dice(sa, sb) : jaroWinkler(sa, sb);
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

/**
 * Similarity in [0, 1] of two strings. For 'tfidf-cosine', `corpus` (strings) supplies the document frequencies;
 * by default the two strings themselves.
 */
export function textSimilarity(a: string, b: string, opts: TextSimilarityOptions = {}, corpus?: readonly string[]): number {
  const tokenize = createTokenize(opts);
  return tokenSimilarity(tokenize(a), tokenize(b), opts.metric ?? 'tfidf-cosine', corpus?.map(tokenize));
}

/** Cosine of two vectors, clipped to [0, 1]; 0 for zero, mismatched or non-finite vectors. */
export function vectorCosine(a: readonly number[], b: readonly number[]): number {
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length || a.length === 0) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const cos = dot / Math.sqrt(na * nb);
  return Number.isFinite(cos) ? Math.min(1, Math.max(0, cos)) : 0;
}

/**
 * A tiny built-in stroke font, so chart labels render identically on every machine. sharp (librsvg) draws SVG
 * `<text>` with whatever fonts fontconfig finds — none on a bare server, other pixels on another machine
 * (docs/runtime.md §7 "Chart text") — so every label is drawn as stroked SVG paths from the polylines below.
 *
 * Glyph coordinates: x from 0 to the glyph's advance width, y from 0 (cap top) down to 6 (baseline); a comma
 * descends to 7. Letters and digits are 4 units wide. Strokes are drawn with round caps and joins.
 */
import { EvolmmError } from '@evolmm/core';

type Point = readonly [number, number];
interface Glyph {
  readonly width: number;
  readonly strokes: readonly (readonly Point[])[];
}

/** Cap height in glyph units (the `size` passed to textPath is the cap height in pixels). */
const CAP = 6;
/** Space between glyphs, in glyph units. */
const TRACKING = 1.4;

// "x,y x,y | x,y x,y": polylines separated by "|".
const SOURCE: Record<string, readonly [number, string]> = {
  '0': [4, '1.2,0 2.8,0 3.8,1 3.8,5 2.8,6 1.2,6 0.2,5 0.2,1 1.2,0'],
  '1': [4, '1,1.2 2.2,0 2.2,6 | 1,6 3.4,6'],
  '2': [4, '0,1.2 1,0 3,0 4,1 4,2.2 0,6 4,6'],
  '3': [4, '0,0 4,0 1.8,2.6 3,2.6 4,3.6 4,5 3,6 1,6 0,5'],
  '4': [4, '3,6 3,0 0,4.2 4,4.2'],
  '5': [4, '4,0 0.3,0 0,2.7 3,2.7 4,3.7 4,5 3,6 0,6'],
  '6': [4, '3.6,0 1.6,0 0,1.6 0,5 1,6 3,6 4,5 4,3.7 3,2.7 1,2.7 0,3.7'],
  '7': [4, '0,0 4,0 1.4,6'],
  '8': [4, '1,0 3,0 4,1 4,1.9 3,2.9 1,2.9 0,3.9 0,5 1,6 3,6 4,5 4,3.9 3,2.9 | 1,2.9 0,1.9 0,1 1,0'],
  '9': [4, '4,2.3 3,3.3 1,3.3 0,2.3 0,1 1,0 3,0 4,1 4,4.4 2.4,6 0.4,6'],
  A: [4, '0,6 2,0 4,6 | 0.7,4 3.3,4'],
  B: [4, '0,6 0,0 3,0 4,1 4,2 3,3 0,3 | 3,3 4,4 4,5 3,6 0,6'],
  C: [4, '4,1 3,0 1,0 0,1 0,5 1,6 3,6 4,5'],
  D: [4, '0,0 0,6 2.4,6 4,4.4 4,1.6 2.4,0 0,0'],
  E: [4, '4,0 0,0 0,6 4,6 | 0,3 3,3'],
  F: [4, '4,0 0,0 0,6 | 0,3 3,3'],
  G: [4, '4,1 3,0 1,0 0,1 0,5 1,6 3,6 4,5 4,3.5 2.4,3.5'],
  H: [4, '0,0 0,6 | 4,0 4,6 | 0,3 4,3'],
  I: [4, '1,0 3,0 | 2,0 2,6 | 1,6 3,6'],
  J: [4, '4,0 4,5 3,6 1,6 0,5'],
  K: [4, '0,0 0,6 | 4,0 0,4 | 1.3,2.7 4,6'],
  L: [4, '0,0 0,6 4,6'],
  M: [4, '0,6 0,0 2,3.4 4,0 4,6'],
  N: [4, '0,6 0,0 4,6 4,0'],
  O: [4, '1,0 3,0 4,1 4,5 3,6 1,6 0,5 0,1 1,0'],
  P: [4, '0,6 0,0 3,0 4,1 4,2 3,3 0,3'],
  Q: [4, '1,0 3,0 4,1 4,5 3,6 1,6 0,5 0,1 1,0 | 2.4,4.4 4,6'],
  R: [4, '0,6 0,0 3,0 4,1 4,2 3,3 0,3 | 2,3 4,6'],
  S: [4, '4,1 3,0 1,0 0,1 0,2 1,3 3,3 4,4 4,5 3,6 1,6 0,5'],
  T: [4, '0,0 4,0 | 2,0 2,6'],
  U: [4, '0,0 0,5 1,6 3,6 4,5 4,0'],
  V: [4, '0,0 2,6 4,0'],
  W: [4, '0,0 0.9,6 2,2.6 3.1,6 4,0'],
  X: [4, '0,0 4,6 | 4,0 0,6'],
  Y: [4, '0,0 2,3 4,0 | 2,3 2,6'],
  Z: [4, '0,0 4,0 0,6 4,6'],
  ' ': [2.6, ''],
  '.': [1, '0.5,5.6 0.5,6'],
  ',': [1, '0.6,5.3 0.6,6 0.1,7'],
  ':': [1, '0.5,1.8 0.5,2.2 | 0.5,5.6 0.5,6'],
  '-': [3, '0.2,3.3 2.8,3.3'],
  '+': [4, '0.4,3.3 3.6,3.3 | 2,1.7 2,4.9'],
  '=': [4, '0.4,2.4 3.6,2.4 | 0.4,4.2 3.6,4.2'],
  '%': [4, '0,6 4,0 | 0.3,0 1.3,0 1.3,1.6 0.3,1.6 0.3,0 | 2.7,4.4 3.7,4.4 3.7,6 2.7,6 2.7,4.4'],
  '/': [3, '0,6 3,0'],
  '(': [2, '1.8,0 0.4,1.6 0.4,4.4 1.8,6'],
  ')': [2, '0.2,0 1.6,1.6 1.6,4.4 0.2,6'],
  '?': [4, '0,1 1,0 3,0 4,1 4,2 2,3.4 2,4.4 | 2,5.6 2,6'],
};

const GLYPHS: ReadonlyMap<string, Glyph> = new Map(
  Object.entries(SOURCE).map(([ch, [width, src]]) => [
    ch,
    {
      width,
      strokes: src
        .split('|')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map((s) =>
          s.split(/\s+/).map((pair) => {
            const [x, y] = pair.split(',').map(Number);
            return [x, y] as const;
          }),
        ),
    },
  ]),
);

/** Every character the font can draw (upper-case letters, digits, space and `.,:-+=%/()?`). */
export const GLYPH_CHARS: string = [...GLYPHS.keys()].join('');

export function hasGlyph(ch: string): boolean {
  return GLYPHS.has(ch);
}

function glyphOf(ch: string, text: string): Glyph {
  const g = GLYPHS.get(ch);
  if (!g) {
    throw new EvolmmError(
      'INVALID_ARGUMENT',
      `the chart stroke font has no glyph for ${JSON.stringify(ch)} (in label ${JSON.stringify(text)}); ` +
        `use only these characters: ${JSON.stringify(GLYPH_CHARS)} (letters are upper-case only)`,
    );
  }
  return g;
}

/** Width in pixels of `text` drawn with cap height `size` (no trailing tracking). */
export function textWidth(text: string, size: number): number {
  const scale = size / CAP;
  let w = 0;
  for (const ch of text) w += glyphOf(ch, text).width + TRACKING;
  return text.length === 0 ? 0 : (w - TRACKING) * scale;
}

export interface TextPathOptions {
  /** Cap height in pixels. */
  readonly size: number;
  /** Horizontal anchor of `x`. Default 'start'. */
  readonly anchor?: 'start' | 'middle' | 'end';
  /** What `y` is: the baseline (default), the vertical middle of the caps, or the cap top. */
  readonly baseline?: 'bottom' | 'middle' | 'top';
}

/** Formats a coordinate with at most 2 decimals, so SVG strings are short and stable. */
function fmt(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** SVG path data (`M`/`L` commands) that draws `text` with its anchor at (x, y). Stroke it; do not fill it. */
export function textPath(text: string, x: number, y: number, options: TextPathOptions): string {
  const scale = options.size / CAP;
  const width = textWidth(text, options.size);
  const anchor = options.anchor ?? 'start';
  let left = anchor === 'start' ? x : anchor === 'middle' ? x - width / 2 : x - width;
  const base = options.baseline ?? 'bottom';
  const top = base === 'bottom' ? y - options.size : base === 'middle' ? y - options.size / 2 : y;
  const parts: string[] = [];
  for (const ch of text) {
    const g = glyphOf(ch, text);
    for (const stroke of g.strokes) {
      stroke.forEach(([gx, gy], i) => {
        parts.push(`${i === 0 ? 'M' : 'L'}${fmt(left + gx * scale)} ${fmt(top + gy * scale)}`);
      });
    }
    left += (g.width + TRACKING) * scale;
  }
  return parts.join('');
}

/** A complete SVG `<path>` element drawing `text` (empty string for blank text). */
export function textElement(
  text: string,
  x: number,
  y: number,
  options: TextPathOptions & { readonly color?: string; readonly halo?: string },
): string {
  const d = textPath(text, x, y, options);
  if (d === '') return '';
  // Stroke width grows with the glyph size; ~1/8 of the cap height keeps digits open at 9-16 px.
  const sw = Math.max(1, options.size / 8);
  const stroke = (color: string, width: number): string =>
    `<path d="${d}" fill="none" stroke="${color}" stroke-width="${fmt(width)}" stroke-linecap="round" stroke-linejoin="round"/>`;
  // A halo (the same strokes, wider, in the background colour) keeps labels readable where they cross lines.
  return (options.halo ? stroke(options.halo, sw + 3) : '') + stroke(options.color ?? '#222222', sw);
}

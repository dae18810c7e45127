import { COLORS, fmt, glyphSize, yScale, type ChartStyle, type YScale } from './chart-style.js';
import type { ChartData, ChartSize } from './chart-types.js';
import { textElement, textWidth } from './stroke-font.js';

/** The plot area of a bar or line chart and the mapping from values to pixels. */
export interface CartesianFrame {
  readonly size: ChartSize;
  /** Glyph cap height and padding in pixels. */
  readonly glyph: number;
  readonly pad: number;
  readonly x0: number;
  readonly x1: number;
  /** Pixel row of the scale's top value and of zero. */
  readonly yTop: number;
  readonly yBase: number;
  readonly scale: YScale;
  /** Width of one category slot; category i is centred at x0 + (i + 0.5) * slot. */
  readonly slot: number;
  /** Baseline of the legend row, when there is one. */
  readonly legendY?: number;
}

export function cartesianFrame(data: ChartData, size: ChartSize, style: ChartStyle): CartesianFrame {
  const glyph = glyphSize(style, size);
  const pad = Math.max(5, Math.round(glyph * 0.6));
  const maxValue = Math.max(...data.series.flatMap((s) => s.values));
  const scale = yScale(style, maxValue);
  const legend = data.series.length > 1;
  let top = pad + (style.showValues ? glyph + pad : Math.ceil(glyph / 2));
  let legendY: number | undefined;
  if (legend) {
    legendY = pad + glyph;
    top += glyph + pad;
  }
  const left = style.axis ? pad + textWidth(String(scale.max), glyph) + pad : pad;
  const x0 = Math.round(left);
  const x1 = size.width - pad;
  const yBase = size.height - (glyph + 2 * pad);
  return {
    size,
    glyph,
    pad,
    x0,
    x1,
    yTop: Math.round(top),
    yBase,
    scale,
    slot: (x1 - x0) / data.labels.length,
    legendY,
  };
}

export function slotCenter(frame: CartesianFrame, i: number): number {
  return frame.x0 + (i + 0.5) * frame.slot;
}

export function valueY(frame: CartesianFrame, v: number): number {
  return frame.yBase - (v / frame.scale.max) * (frame.yBase - frame.yTop);
}

/** Gridlines and y tick labels (behind the data), then the x axis line and category labels. */
export function axesElements(frame: CartesianFrame, data: ChartData): { back: string[]; front: string[] } {
  const back: string[] = [];
  const front: string[] = [];
  const { glyph, pad } = frame;
  if (frame.scale.grid > 0) {
    for (let v = frame.scale.grid; v <= frame.scale.max; v += frame.scale.grid) {
      const y = fmt(valueY(frame, v));
      back.push(`<line x1="${frame.x0}" y1="${y}" x2="${frame.x1}" y2="${y}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    }
  }
  if (frame.scale.tick > 0) {
    for (let v = 0; v <= frame.scale.max; v += frame.scale.tick) {
      const y = valueY(frame, v);
      back.push(textElement(String(v), frame.x0 - pad, y, { size: glyph, anchor: 'end', baseline: 'middle', color: COLORS.text }));
    }
    back.push(
      `<line x1="${frame.x0}" y1="${frame.yTop}" x2="${frame.x0}" y2="${fmt(frame.yBase)}" stroke="${COLORS.axis}" stroke-width="1.5"/>`,
    );
  }
  front.push(
    `<line x1="${frame.x0}" y1="${fmt(frame.yBase)}" x2="${frame.x1}" y2="${fmt(frame.yBase)}" stroke="${COLORS.axis}" stroke-width="1.5"/>`,
  );
  data.labels.forEach((label, i) => {
    front.push(
      textElement(label, slotCenter(frame, i), frame.size.height - pad, { size: glyph, anchor: 'middle', color: COLORS.text }),
    );
  });
  return { back, front };
}

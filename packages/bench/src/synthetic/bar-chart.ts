import { axesElements, cartesianFrame, slotCenter, valueY, type CartesianFrame } from './cartesian-frame.js';
import { COLORS, fmt, svgDocument, type ChartStyle } from './chart-style.js';
import type { ChartData, ChartSize } from './chart-types.js';
import { textElement } from './stroke-font.js';

export interface BarRect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Bars of the first series: 60% of each category slot wide, from zero up to the value. */
export function barRects(frame: CartesianFrame, data: ChartData): BarRect[] {
  const width = frame.slot * 0.6;
  return data.series[0].values.map((v, i) => {
    const top = valueY(frame, v);
    return { x: slotCenter(frame, i) - width / 2, y: top, width, height: frame.yBase - top };
  });
}

/** A single-series vertical bar chart. */
export function barChartSvg(data: ChartData, size: ChartSize, style: ChartStyle): string {
  const frame = cartesianFrame(data, size, style);
  const { back, front } = axesElements(frame, data);
  const bars = barRects(frame, data).map(
    (r) => `<rect x="${fmt(r.x)}" y="${fmt(r.y)}" width="${fmt(r.width)}" height="${fmt(r.height)}" fill="${COLORS.bar}"/>`,
  );
  const values = style.showValues
    ? barRects(frame, data).map((r, i) =>
        textElement(String(data.series[0].values[i]), r.x + r.width / 2, r.y - frame.pad / 2, {
          size: frame.glyph,
          anchor: 'middle',
          color: COLORS.text,
        }),
      )
    : [];
  return svgDocument(size, [...back, ...bars, ...front, ...values]);
}

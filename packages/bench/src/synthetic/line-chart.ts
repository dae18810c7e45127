import { axesElements, cartesianFrame, slotCenter, valueY, type CartesianFrame } from './cartesian-frame.js';
import { COLORS, SINGLE_LINE_COLOR, fmt, svgDocument, type ChartStyle } from './chart-style.js';
import type { ChartData, ChartSize } from './chart-types.js';
import { textElement, textWidth } from './stroke-font.js';

/** Pixel positions of the points of series `s`. */
export function linePoints(frame: CartesianFrame, data: ChartData, s: number): Array<[number, number]> {
  return data.series[s].values.map((v, i) => [slotCenter(frame, i), valueY(frame, v)]);
}

function seriesColor(data: ChartData, s: number): string {
  return data.series.length === 1 ? SINGLE_LINE_COLOR : (COLORS.series[data.series[s].name] ?? SINGLE_LINE_COLOR);
}

/** A line chart with point markers; with several series, a legend row names each line by its colour. */
export function lineChartSvg(data: ChartData, size: ChartSize, style: ChartStyle): string {
  const frame = cartesianFrame(data, size, style);
  const { back, front } = axesElements(frame, data);
  const lines: string[] = [];
  const marker = Math.max(2.5, frame.glyph / 4);
  data.series.forEach((_, s) => {
    const pts = linePoints(frame, data, s);
    const color = seriesColor(data, s);
    lines.push(
      `<polyline points="${pts.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join(' ')}" fill="none" stroke="${color}" ` +
        `stroke-width="2.5" stroke-linejoin="round"/>`,
    );
    for (const [x, y] of pts) lines.push(`<circle cx="${fmt(x)}" cy="${fmt(y)}" r="${fmt(marker)}" fill="${color}"/>`);
  });
  const labels: string[] = [];
  if (style.showValues) {
    data.series.forEach((series, s) => {
      linePoints(frame, data, s).forEach(([x, y], i) => {
        labels.push(
          textElement(String(series.values[i]), x, y - marker - frame.pad / 2, {
            size: frame.glyph,
            anchor: 'middle',
            color: COLORS.text,
            halo: COLORS.background,
          }),
        );
      });
    });
  }
  if (frame.legendY !== undefined) {
    // Legend: a short coloured line then the series name, entries side by side from the left of the plot.
    let x = frame.x0;
    const y = frame.legendY;
    data.series.forEach((series, s) => {
      const color = seriesColor(data, s);
      const w = frame.glyph * 1.6;
      labels.push(
        `<line x1="${fmt(x)}" y1="${fmt(y - frame.glyph / 2)}" x2="${fmt(x + w)}" y2="${fmt(y - frame.glyph / 2)}" ` +
          `stroke="${color}" stroke-width="3"/>`,
      );
      x += w + frame.pad / 2;
      labels.push(textElement(series.name, x, y, { size: frame.glyph, color: COLORS.text }));
      x += textWidth(series.name, frame.glyph) + frame.pad * 2;
    });
  }
  return svgDocument(size, [...back, ...front, ...lines, ...labels]);
}

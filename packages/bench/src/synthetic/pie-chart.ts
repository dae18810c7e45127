import { COLORS, fmt, glyphSize, svgDocument, type ChartStyle } from './chart-style.js';
import type { ChartData, ChartSize } from './chart-types.js';
import { textElement } from './stroke-font.js';

export interface PieGeometry {
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
  /** Start and end angle of each slice in radians, clockwise from 12 o'clock. */
  readonly slices: ReadonlyArray<readonly [number, number]>;
}

export function pieGeometry(data: ChartData, size: ChartSize, style: ChartStyle): PieGeometry {
  const pad = Math.max(4, Math.round(glyphSize(style, size) * 0.4));
  const values = data.series[0].values;
  const total = values.reduce((a, b) => a + b, 0);
  let angle = 0;
  const slices = values.map((v) => {
    const start = angle;
    angle += (v / total) * 2 * Math.PI;
    return [start, angle] as const;
  });
  return { cx: size.width / 2, cy: size.height / 2, r: Math.min(size.width, size.height) / 2 - pad, slices };
}

/** The point at `radius` and clockwise angle `a` from 12 o'clock. */
export function polar(g: PieGeometry, radius: number, a: number): [number, number] {
  return [g.cx + radius * Math.sin(a), g.cy - radius * Math.cos(a)];
}

/** A pie chart; each slice carries its label and its percentage inside it. */
export function pieChartSvg(data: ChartData, size: ChartSize, style: ChartStyle): string {
  const g = pieGeometry(data, size, style);
  const glyph = glyphSize(style, size);
  const body: string[] = [];
  g.slices.forEach(([a0, a1], i) => {
    const color = COLORS.pie[i % COLORS.pie.length];
    if (a1 - a0 >= 2 * Math.PI - 1e-9) {
      body.push(`<circle cx="${fmt(g.cx)}" cy="${fmt(g.cy)}" r="${fmt(g.r)}" fill="${color}"/>`);
      return;
    }
    const [x0, y0] = polar(g, g.r, a0);
    const [x1, y1] = polar(g, g.r, a1);
    const large = a1 - a0 > Math.PI ? 1 : 0;
    body.push(
      `<path d="M${fmt(g.cx)} ${fmt(g.cy)}L${fmt(x0)} ${fmt(y0)}A${fmt(g.r)} ${fmt(g.r)} 0 ${large} 1 ${fmt(x1)} ${fmt(y1)}Z" ` +
        `fill="${color}" stroke="#ffffff" stroke-width="1.5"/>`,
    );
  });
  g.slices.forEach(([a0, a1], i) => {
    const [x, y] = polar(g, g.r * 0.6, (a0 + a1) / 2);
    const gap = glyph * 0.35;
    body.push(textElement(data.labels[i], x, y - gap, { size: glyph, anchor: 'middle', color: COLORS.text }));
    body.push(
      textElement(`${data.series[0].values[i]}%`, x, y + gap, { size: glyph, anchor: 'middle', baseline: 'top', color: COLORS.text }),
    );
  });
  return svgDocument(size, body);
}

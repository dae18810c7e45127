/**
 * Small self-contained SVG charts for HTML reports (benchmark report, evolve-run report): no scripts, no external
 * styles; text uses the browser's sans-serif font. Every label is XML-escaped.
 */

/** Distinguishable colours (Tableau 10), used in series order unless a series names its own. */
export const CHART_PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Tick values covering [min, max] with a 1/2/5×10^k step (about `count` ticks). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max === min) {
    const d = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= d;
    max += d;
  }
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  // toPrecision strips binary noise (0.6000000000000001 → 0.6).
  for (let k = Math.round(lo / step); k <= Math.round(hi / step); k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/** Shortest readable label of a tick value. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(6)));
}

export interface ChartFrameOptions {
  readonly title: string;
  /** Pixels. Defaults 640 × 320. */
  readonly width?: number;
  readonly height?: number;
  readonly xLabel?: string;
  readonly yLabel?: string;
}

function legend(names: readonly string[], colors: readonly string[], x: number, y: number): string {
  let out = '';
  let cx = x;
  names.forEach((name, i) => {
    out += `<rect x="${num(cx)}" y="${num(y - 9)}" width="10" height="10" fill="${colors[i]}"/>`;
    out += `<text x="${num(cx + 14)}" y="${num(y)}" font-size="11">${escapeXml(name)}</text>`;
    cx += 14 + Math.min(28, name.length) * 6.2 + 14;
  });
  return out;
}

function open(o: ChartFrameOptions, w: number, h: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ` +
    `font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" role="img" aria-label="${escapeXml(o.title)}">` +
    `<title>${escapeXml(o.title)}</title>` +
    `<rect width="${w}" height="${h}" fill="#ffffff"/>` +
    `<text x="${w / 2}" y="18" font-size="14" font-weight="600" text-anchor="middle">${escapeXml(o.title)}</text>`
  );
}

function axisLabels(o: ChartFrameOptions, w: number, h: number, plotTop: number, plotBottom: number): string {
  let out = '';
  if (o.xLabel) out += `<text x="${w / 2}" y="${h - 6}" font-size="11" text-anchor="middle">${escapeXml(o.xLabel)}</text>`;
  if (o.yLabel) {
    const cy = (plotTop + plotBottom) / 2;
    out += `<text x="12" y="${num(cy)}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${num(cy)})">${escapeXml(o.yLabel)}</text>`;
  }
  return out;
}

export interface LineChartSeries {
  readonly name: string;
  /** [x, y] pairs; non-finite values are skipped (the line breaks there). */
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly color?: string;
}

export interface LineChartOptions extends ChartFrameOptions {
  readonly series: readonly LineChartSeries[];
  /** Fix the y range instead of fitting the data. */
  readonly yMin?: number;
  readonly yMax?: number;
}

/** A line chart of one or more series over a numeric x axis (e.g. reward, KL, entropy per iteration). */
export function svgLineChart(o: LineChartOptions): string {
  const w = o.width ?? 640;
  const h = o.height ?? 320;
  const colors = o.series.map((s, i) => s.color ?? CHART_PALETTE[i % CHART_PALETTE.length]);
  const pts = o.series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const xt = niceTicks(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1, 6);
  const yt = niceTicks(o.yMin ?? (ys.length ? Math.min(...ys) : 0), o.yMax ?? (ys.length ? Math.max(...ys) : 1), 5);
  const [x0v, x1v] = [xt[0], xt[xt.length - 1]];
  const [y0v, y1v] = [o.yMin ?? yt[0], o.yMax ?? yt[yt.length - 1]];
  const left = o.yLabel ? 62 : 50;
  const top = 44;
  const right = w - 16;
  const bottom = h - (o.xLabel ? 40 : 28);
  const px = (x: number): number => left + ((x - x0v) / (x1v - x0v || 1)) * (right - left);
  const py = (y: number): number => bottom - ((y - y0v) / (y1v - y0v || 1)) * (bottom - top);
  let out = open(o, w, h);
  for (const v of yt) {
    if (v < y0v - 1e-12 || v > y1v + 1e-12) continue;
    out += `<line x1="${left}" y1="${num(py(v))}" x2="${right}" y2="${num(py(v))}" stroke="#e5e5e5"/>`;
    out += `<text x="${left - 6}" y="${num(py(v) + 4)}" font-size="10" text-anchor="end">${escapeXml(formatTick(v))}</text>`;
  }
  for (const v of xt) {
    out += `<text x="${num(px(v))}" y="${bottom + 14}" font-size="10" text-anchor="middle">${escapeXml(formatTick(v))}</text>`;
  }
  out += `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#666"/>`;
  out += `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#666"/>`;
  o.series.forEach((s, i) => {
    // Break the line at non-finite points.
    const runs: string[][] = [[]];
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(y)) runs[runs.length - 1].push(`${num(px(x))},${num(py(y))}`);
      else if (runs[runs.length - 1].length > 0) runs.push([]);
    }
    for (const run of runs) {
      if (run.length === 1) out += `<circle cx="${run[0].split(',')[0]}" cy="${run[0].split(',')[1]}" r="2.5" fill="${colors[i]}"/>`;
      else if (run.length > 1) {
        out += `<polyline points="${run.join(' ')}" fill="none" stroke="${colors[i]}" stroke-width="2" stroke-linejoin="round"/>`;
      }
    }
  });
  out += legend(o.series.map((s) => s.name), colors, left, 36);
  out += axisLabels(o, w, h, top, bottom);
  return out + '</svg>';
}

export interface BarChartSeries {
  readonly name: string;
  /** One value per category; NaN or missing draws no bar. */
  readonly values: readonly number[];
  readonly color?: string;
}

export interface BarChartOptions extends ChartFrameOptions {
  readonly categories: readonly string[];
  readonly series: readonly BarChartSeries[];
  /** Fix the top of the y axis (e.g. 100 for accuracies in percent). */
  readonly yMax?: number;
  /** Label printed above each bar. Default: 2 decimals, no label when false. */
  readonly valueLabel?: false | ((v: number) => string);
}

/** A grouped bar chart: one group per category, one bar per series. */
export function svgBarChart(o: BarChartOptions): string {
  const colors = o.series.map((s, i) => s.color ?? CHART_PALETTE[i % CHART_PALETTE.length]);
  const nc = Math.max(1, o.categories.length);
  const ns = Math.max(1, o.series.length);
  const w = o.width ?? Math.max(360, Math.min(1200, 90 + nc * Math.max(48, ns * 22 + 16)));
  const h = o.height ?? 320;
  const values = o.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  const maxV = o.yMax ?? Math.max(0, ...values);
  const yt = niceTicks(Math.min(0, ...values), maxV || 1, 5);
  const y0v = yt[0];
  const y1v = o.yMax ?? yt[yt.length - 1];
  const left = o.yLabel ? 62 : 50;
  const top = 44;
  const right = w - 12;
  const bottom = h - (o.xLabel ? 48 : 34);
  const py = (y: number): number => bottom - ((y - y0v) / (y1v - y0v || 1)) * (bottom - top);
  const groupW = (right - left) / nc;
  const barW = Math.min(40, (groupW * 0.8) / ns);
  const fmtLabel = o.valueLabel === false ? undefined : (o.valueLabel ?? ((v: number) => v.toFixed(2)));
  let out = open(o, w, h);
  for (const v of yt) {
    if (v > y1v + 1e-12) continue;
    out += `<line x1="${left}" y1="${num(py(v))}" x2="${right}" y2="${num(py(v))}" stroke="#e5e5e5"/>`;
    out += `<text x="${left - 6}" y="${num(py(v) + 4)}" font-size="10" text-anchor="end">${escapeXml(formatTick(v))}</text>`;
  }
  o.categories.forEach((cat, c) => {
    const gx = left + c * groupW + (groupW - barW * ns) / 2;
    o.series.forEach((s, i) => {
      const v = s.values[c];
      if (v === undefined || !Number.isFinite(v)) return;
      const x = gx + i * barW;
      const y = py(Math.max(v, y0v));
      const base = py(Math.max(0, y0v));
      out +=
        `<rect x="${num(x)}" y="${num(Math.min(y, base))}" width="${num(barW - 2)}" height="${num(Math.abs(base - y))}" fill="${colors[i]}">` +
        `<title>${escapeXml(`${s.name} · ${cat}: ${fmtLabel ? fmtLabel(v) : v}`)}</title></rect>`;
      if (fmtLabel && barW >= 14) {
        out += `<text x="${num(x + (barW - 2) / 2)}" y="${num(Math.min(y, base) - 3)}" font-size="9" text-anchor="middle">${escapeXml(fmtLabel(v))}</text>`;
      }
    });
    const label = cat.length > 18 ? cat.slice(0, 17) + '…' : cat;
    out += `<text x="${num(left + (c + 0.5) * groupW)}" y="${bottom + 14}" font-size="10" text-anchor="middle">${escapeXml(label)}</text>`;
  });
  out += `<line x1="${left}" y1="${num(py(Math.max(0, y0v)))}" x2="${right}" y2="${num(py(Math.max(0, y0v)))}" stroke="#666"/>`;
  out += legend(o.series.map((s) => s.name), colors, left, 36);
  out += axisLabels(o, w, h, top, bottom);
  return out + '</svg>';
}

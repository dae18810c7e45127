/**
 * Small self-contained SVG line plots for run reports (no plotting dependency). Non-finite points are gaps.
 */
export interface PlotSeries {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number | null]>;
  readonly color?: string;
  /** Draw dots instead of a line (sparse series, e.g. proposer updates). */
  readonly dots?: boolean;
}

export interface PlotOptions {
  readonly title: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Logarithmic y axis (β); non-positive values are dropped. */
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** "Nice" tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (lo === hi) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(3)));
}

/** An SVG element (string) plotting the series against a shared x axis. */
export function linePlotSvg(series: readonly PlotSeries[], options: PlotOptions): string {
  const W = options.width ?? 640;
  const H = options.height ?? 260;
  const m = { l: 56, r: 12, t: 28, b: 40 };
  const ty = (y: number) => (options.logY ? Math.log10(y) : y);
  const ok = (y: number | null): y is number => y !== null && Number.isFinite(y) && (!options.logY || y > 0);
  const pts = series.flatMap((s) => s.points.filter(([, y]) => ok(y)) as [number, number][]);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(options.title)}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-family="sans-serif" font-size="14">${escapeXml(options.title)}</text>`,
  ];
  if (pts.length === 0) {
    parts.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle" font-family="sans-serif" font-size="12" fill="#888">no data</text></svg>`);
    return parts.join('');
  }
  let [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => ty(p[1]))), Math.max(...pts.map((p) => ty(p[1])))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - (Math.abs(y0) || 1) * 0.1, y1 + (Math.abs(y1) || 1) * 0.1];
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.t + ph - ((ty(y) - y0) / (y1 - y0)) * ph;
  parts.push(`<g font-family="sans-serif" font-size="10" fill="#444">`);
  for (const t of niceTicks(x0, x1)) {
    parts.push(`<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${m.t}" y2="${m.t + ph}" stroke="#eee"/>`);
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${m.t + ph + 14}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    const y = m.t + ph - ((t - y0) / (y1 - y0)) * ph;
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 4}" y="${(y + 3).toFixed(1)}" text-anchor="end">${fmt(options.logY ? 10 ** t : t)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  if (options.xLabel) parts.push(`<text x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  if (options.yLabel) {
    parts.push(`<text transform="translate(12 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  }
  parts.push('</g>');
  if (series.length > 0) {
    // A translucent box behind the legend keeps it readable over the curves.
    const w = 24 + 6.2 * Math.max(...series.map((s) => s.label.length));
    parts.push(`<rect x="${m.l + 4}" y="${m.t + 3}" width="${w.toFixed(0)}" height="${series.length * 14 + 4}" fill="white" fill-opacity="0.8"/>`);
  }
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    if (s.dots) {
      for (const [x, y] of s.points) if (ok(y)) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2" fill="${color}"/>`);
    } else {
      // Split into runs of valid points so gaps stay gaps.
      let d = '';
      let pen = false;
      for (const [x, y] of s.points) {
        if (!ok(y)) {
          pen = false;
          continue;
        }
        d += `${pen ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
        pen = true;
      }
      if (d) parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    }
    parts.push(
      `<g font-family="sans-serif" font-size="11"><rect x="${m.l + 8}" y="${m.t + 6 + i * 14}" width="10" height="3" fill="${color}"/>` +
        `<text x="${m.l + 22}" y="${m.t + 10 + i * 14}">${escapeXml(s.label)}</text></g>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Trailing moving average over `window` points (nulls skipped), for smoothing noisy per-iteration curves. */
export function movingAverage(points: ReadonlyArray<readonly [number, number | null]>, window: number): [number, number | null][] {
  const out: [number, number | null][] = [];
  const buf: number[] = [];
  for (const [x, y] of points) {
    if (y !== null && Number.isFinite(y)) buf.push(y);
    if (buf.length > window) buf.shift();
    out.push([x, buf.length ? buf.reduce((a, b) => a + b, 0) / buf.length : null]);
  }
  return out;
}

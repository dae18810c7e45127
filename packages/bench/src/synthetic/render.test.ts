import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { barRects } from './bar-chart.js';
import { cartesianFrame } from './cartesian-frame.js';
import { CHART_STYLES, COLORS } from './chart-style.js';
import { generateSyntheticCharts } from './generate.js';
import { pieGeometry, polar } from './pie-chart.js';
import { renderChart } from './render.js';

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): [number, number, number] => {
    const o = (Math.round(y) * info.width + Math.round(x)) * info.channels;
    return [data[o], data[o + 1], data[o + 2]];
  };
  return { info, at };
}

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

describe('renderChart', () => {
  const items = generateSyntheticCharts({ count: 3, seed: 3 }); // bar, line, pie at 'easy'
  const wide = generateSyntheticCharts({ count: 1, seed: 4, size: { width: 280, height: 224 }, difficulty: 'hard' })[0];

  it('renders PNGs of the requested size, RGB, byte-identical across renders', async () => {
    for (const item of [...items, wide]) {
      const a = await renderChart(item);
      const b = await renderChart(item);
      expect(a.equals(b)).toBe(true);
      const meta = await sharp(a).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', item.size.width, item.size.height, 3]);
    }
  });

  it('draws bars at the heights of the data and their value labels above them', async () => {
    const item = items[0];
    expect(item.kind).toBe('bar');
    const { at } = await pixels(await renderChart(item));
    const frame = cartesianFrame(item.data, item.size, CHART_STYLES.easy);
    const bars = barRects(frame, item.data);
    bars.forEach((r, i) => {
      // Inside the bar: bar colour; just above its top at the left edge: background.
      expect(at(r.x + r.width / 2, r.y + r.height / 2)).toEqual(rgb(COLORS.bar));
      expect(at(r.x + 2, r.y + 2)).toEqual(rgb(COLORS.bar));
      expect(at(r.x + 2, r.y - 3)).toEqual([255, 255, 255]);
      // The easy scale is a fixed 0–10: the height is proportional to the value.
      expect(r.height / (frame.yBase - frame.yTop)).toBeCloseTo(item.data.series[0].values[i] / 10, 9);
      // Some dark label pixels in the band above the bar.
      let dark = 0;
      for (let y = Math.floor(r.y - frame.pad / 2 - frame.glyph); y <= r.y - frame.pad / 2; y++) {
        for (let x = Math.floor(r.x); x <= r.x + r.width; x++) if (at(x, y)[0] < 100) dark++;
      }
      expect(dark).toBeGreaterThan(10);
    });
  });

  it('fills each pie slice with its colour', async () => {
    const item = items[2];
    expect(item.kind).toBe('pie');
    const { at } = await pixels(await renderChart(item));
    const g = pieGeometry(item.data, item.size, CHART_STYLES.easy);
    g.slices.forEach(([a0, a1], i) => {
      const [x, y] = polar(g, g.r * 0.9, (a0 + a1) / 2);
      expect(at(x, y)).toEqual(rgb(COLORS.pie[i]));
    });
    // Outside the circle: background.
    expect(at(1, 1)).toEqual([255, 255, 255]);
  });
});

import { describe, expect, it } from 'vitest';
import { htmlPage, htmlTable } from './html-page.js';
import { niceTicks, svgBarChart, svgLineChart } from './svg-charts.js';

const attr = (el: string, name: string): number => Number(el.match(new RegExp(` ${name}="(-?[\\d.]+)"`))![1]);

describe('svg chart helpers', () => {
  it('picks 1/2/5 tick steps that cover the range', () => {
    expect(niceTicks(0, 97)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-3, 7, 5)).toEqual([-4, -2, 0, 2, 4, 6, 8]);
    expect(niceTicks(5, 5).length).toBeGreaterThan(1);
  });

  it('draws grouped bars with heights proportional to the values', () => {
    const svg = svgBarChart({
      title: 'Acc <by> model & bench',
      categories: ['chartqa', 'mathvista'],
      series: [
        { name: 'tfjs', values: [80, 40] },
        { name: 'onnx', values: [20, Number.NaN] },
      ],
      yMax: 100,
    });
    const bars = svg.match(/<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*" fill="#[0-9a-f]{6}"><title>/g)!;
    expect(bars).toHaveLength(3); // NaN draws no bar
    // Category-major order: chartqa (tfjs 80, onnx 20), then mathvista (tfjs 40).
    const h = bars.map((b) => attr(b, 'height'));
    expect(h[0] / h[1]).toBeCloseTo(4, 2);
    expect(h[0] / h[2]).toBeCloseTo(2, 2);
    expect(svg).toContain('Acc &lt;by&gt; model &amp; bench');
    expect(svg).toContain('>80.00<');
    expect(svg).not.toContain('<script');
  });

  it('draws one polyline per series through the mapped points', () => {
    const svg = svgLineChart({
      title: 'reward',
      series: [
        { name: 'seed 1', points: [[0, 0], [10, 1]] },
        { name: 'seed 2', points: [[0, 1], [5, Number.NaN], [10, 0]] },
      ],
      yMin: 0,
      yMax: 1,
    });
    const lines = [...svg.matchAll(/<polyline points="([^"]*)"/g)].map((m) => m[1].split(' ').map((p) => p.split(',').map(Number)));
    expect(lines).toHaveLength(1); // seed 2 is broken by NaN into two single points
    expect(svg.match(/<circle /g)).toHaveLength(2);
    const [[x0, y0], [x1, y1]] = lines[0];
    expect(x1).toBeGreaterThan(x0);
    expect(y1).toBeLessThan(y0); // y grows upwards
    expect(svg).toContain('seed 2');
  });

  it('builds a self-contained page with escaped tables', () => {
    const page = htmlPage('Report <1>', [{ title: 'T', body: htmlTable(['a', 'b'], [['<x>', 1]]) }]);
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).toContain('<title>Report &lt;1&gt;</title>');
    expect(page).toContain('<td>&lt;x&gt;</td><td>1</td>');
    expect(page).not.toMatch(/<script|<link|src=/);
  });
});

import type { SyntheticChartItem } from './chart-types.js';

/**
 * Rasterises chart SVG to an RGB PNG. Density 72 makes one SVG unit one pixel; the background is flattened to
 * white and no metadata is written, so the same SVG gives the same bytes on every run.
 */
export async function renderSvg(svg: string): Promise<Buffer> {
  // Loaded on first use: sharp's native module costs ~0.14 s at import, and most importers of @evolmm/bench only score.
  const { default: sharp } = await import('sharp');
  return sharp(Buffer.from(svg), { density: 72 })
    .flatten({ background: '#ffffff' })
    .png({ compressionLevel: 9, adaptiveFiltering: false })
    .toBuffer();
}

/** The chart of an item as PNG bytes (item.size.width × item.size.height, RGB). */
export async function renderChart(item: Pick<SyntheticChartItem, 'svg'>): Promise<Buffer> {
  return renderSvg(item.svg);
}

// Rasterises an SVG (the learning curve) to PNG with resvg, using the machine's fonts for the labels.
import { Resvg } from '@resvg/resvg-js';

export function svgToPng(svg: string): Buffer {
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

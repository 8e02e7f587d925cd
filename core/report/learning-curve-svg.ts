// The learning curve of a loop as a standalone SVG: mAP@0.5 and COCO AP (y, 0..1) against labelled
// images (x). Hand-written SVG keeps the report free of a plotting dependency; the PNG is this SVG
// rasterised (learning-curve-png.ts).
export interface CurvePoint {
  labelled: number;
  map50: number;
  cocoAp: number;
}

const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { left: 56, right: 20, top: 36, bottom: 48 };
const FONT = 'font-family="DejaVu Sans, Arial, sans-serif"';
const SERIES = [
  { key: 'map50', label: 'mAP@0.5', colour: '#c0392b' },
  { key: 'cocoAp', label: 'COCO AP', colour: '#2471a3' },
] as const;

/** Round, readable tick step for a span (1, 2 or 5 times a power of ten, about 5 ticks). */
export function tickStep(span: number): number {
  if (!(span > 0)) return 1;
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  return Math.max(1, step);
}

export function learningCurveSvg(points: readonly CurvePoint[], title: string): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const maxX = Math.max(1, ...points.map((p) => p.labelled));
  const step = tickStep(maxX);
  const xMax = Math.ceil(maxX / step) * step;
  const x = (v: number) => MARGIN.left + (v / xMax) * plotW;
  const y = (v: number) => MARGIN.top + (1 - v) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" ${FONT}>${escapeXml(title)}</text>`,
  ];
  for (let t = 0; t <= 1.0001; t += 0.2) {
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(t)}" y2="${y(t)}" stroke="#dddddd"/>`);
    parts.push(
      `<text x="${MARGIN.left - 8}" y="${y(t) + 4}" text-anchor="end" font-size="11" ${FONT}>${t.toFixed(1)}</text>`,
    );
  }
  for (let t = 0; t <= xMax; t += step) {
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 5}" stroke="#333333"/>`,
    );
    parts.push(
      `<text x="${x(t)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle" font-size="11" ${FONT}>${t}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333333"/>`,
  );
  parts.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle" font-size="12" ${FONT}>labelled images</text>`,
  );
  SERIES.forEach((s, i) => {
    const coords = points.map((p) => `${x(p.labelled).toFixed(1)},${y(p[s.key]).toFixed(1)}`);
    if (coords.length > 1)
      parts.push(`<polyline points="${coords.join(' ')}" fill="none" stroke="${s.colour}" stroke-width="2"/>`);
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="4" fill="${s.colour}"/>`);
    }
    const ly = MARGIN.top + 16 + i * 18;
    parts.push(
      `<line x1="${MARGIN.left + 12}" x2="${MARGIN.left + 32}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.colour}" stroke-width="2"/>`,
    );
    parts.push(`<text x="${MARGIN.left + 38}" y="${ly}" font-size="12" ${FONT}>${s.label}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// Learning-curve plot as SVG (hand-written, no plotting library): mAP@0.5 against labelled images, one line
// per strategy (mean over seeds) with a shaded band from the lowest to the highest seed. The PNG is
// rendered from the same SVG (report.ts), so both show the same thing.
import type { CurvePoint } from './curve';

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const W = 720;
const H = 440;
const M = { left: 64, right: 232, top: 36, bottom: 52 }; // right: room for the legend's longest name (TYPICLUST+UNCERTAINTY)

/** Round numbers between lo and hi for axis ticks (steps of 1, 2 or 5 times a power of ten). */
export function ticks(lo: number, hi: number, target = 6): number[] {
  const raw = (hi - lo) / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

export function learningCurveSvg(curves: Map<string, CurvePoint[]>, title: string): string {
  const all = [...curves.values()].flat();
  const xMax = Math.max(...all.map((p) => p.labelled));
  const yLo = Math.max(0, Math.floor(Math.min(...all.map((p) => p.min)) * 10) / 10);
  const yHi = Math.min(1, Math.ceil(Math.max(...all.map((p) => p.max)) * 10) / 10);
  const x = (v: number) => M.left + (v / xMax) * (W - M.left - M.right);
  const y = (v: number) => H - M.bottom - ((v - yLo) / (yHi - yLo || 1)) * (H - M.top - M.bottom);
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - M.right / 2 + M.left / 2}" y="20" text-anchor="middle" font-size="14">${title}</text>`,
  ];
  for (const t of ticks(yLo, yHi)) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="#ddd"/>`);
    parts.push(`<text x="${M.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${t.toFixed(2)}</text>`);
  }
  for (const t of ticks(0, xMax)) {
    parts.push(`<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${H - M.bottom}" y2="${H - M.bottom + 5}" stroke="#333"/>`);
    parts.push(`<text x="${f(x(t))}" y="${H - M.bottom + 18}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`);
  parts.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>`);
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">labelled images</text>`);
  parts.push(
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">mAP@0.5 (validation)</text>`,
  );
  [...curves.entries()].forEach(([strategy, points], i) => {
    const colour = COLOURS[i % COLOURS.length];
    const band = [
      ...points.map((p) => `${f(x(p.labelled))},${f(y(p.max))}`),
      ...[...points].reverse().map((p) => `${f(x(p.labelled))},${f(y(p.min))}`),
    ];
    parts.push(`<polygon points="${band.join(' ')}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`);
    parts.push(
      `<polyline points="${points.map((p) => `${f(x(p.labelled))},${f(y(p.mean))}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2.5"/>`,
    );
    for (const p of points)
      parts.push(`<circle cx="${f(x(p.labelled))}" cy="${f(y(p.mean))}" r="3.5" fill="${colour}"/>`);
    const ly = M.top + 10 + 22 * i;
    parts.push(
      `<line x1="${W - M.right + 14}" x2="${W - M.right + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2.5"/>`,
    );
    parts.push(`<text x="${W - M.right + 46}" y="${ly + 4}">${strategy}</text>`);
  });
  parts.push(
    `<text x="${W - M.right + 14}" y="${M.top + 10 + 22 * curves.size + 8}" font-size="10" fill="#555">line: mean of seeds</text>`,
  );
  parts.push(
    `<text x="${W - M.right + 14}" y="${M.top + 10 + 22 * curves.size + 22}" font-size="10" fill="#555">band: min to max</text>`,
  );
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

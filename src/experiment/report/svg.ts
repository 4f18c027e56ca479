/**
 * A small, dependency-free SVG line plot in the style of the paper's figures: markers on the
 * points, a shaded min/max band per series, dashed controls, a legend, nice ticks, and an
 * optional reversed log x axis for "percent of weights remaining". Markers are drawn for series
 * of up to {@link MAX_MARKERS} points.
 */
import {
  formatTick,
  linearTicks,
  logTicks,
  makeScale,
  niceDomain,
  thinTicks,
  type Scale,
  type ScaleKind,
} from './scale.ts';

/** One point; `yMin`/`yMax` (both or either) bound the shaded band around `y`. */
export interface PlotPoint {
  x: number;
  y: number;
  yMin?: number;
  yMax?: number;
}

/** One line on the plot. */
export interface PlotSeries {
  name: string;
  color?: string;
  points: PlotPoint[];
  dashed?: boolean;
}

/** Everything {@link linePlot} draws. Sizes are in pixels. */
export interface LinePlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: PlotSeries[];
  xScale?: ScaleKind;
  /** Draws the x axis from high (left) to low (right). */
  xReverse?: boolean;
  width?: number;
  height?: number;
  /** Fixed y range; otherwise the data's range widened to nice ticks. */
  yDomain?: [number, number];
  /** Explicit x tick values (e.g. the pruning levels); thinned where labels would collide. */
  xTicks?: number[];
}

/** Matplotlib's "tab10" palette: distinct, colour-blind-friendlier than pure hues. */
export const PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
/** Series with more points than this are drawn as lines only: dense markers hide the line. */
export const MAX_MARKERS = 60;
const CHAR_W = 6.6; // rough width of a 12px sans-serif character, for legend sizing

/** Escapes text for XML element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Renders the plot as a standalone SVG document string (deterministic for equal options). */
export function linePlot(opts: LinePlotOptions): string {
  const W = opts.width ?? 640;
  const H = opts.height ?? 400;
  const kind = opts.xScale ?? 'linear';
  const series = opts.series.map((s, i) => ({
    ...s,
    color: s.color ?? PALETTE[i % PALETTE.length]!,
    points: s.points
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (kind === 'linear' || p.x > 0))
      .sort((a, b) => a.x - b.x),
  }));
  const legendW = series.length === 0 ? 0 : 44 + CHAR_W * Math.max(...series.map((s) => s.name.length));
  const m = { top: 36, right: 16 + legendW, bottom: 48, left: 66 };
  const plot = { x0: m.left, x1: W - m.right, y0: H - m.bottom, y1: m.top };
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x);
  const ys = all.flatMap((p) => [p.y, p.yMin, p.yMax]).filter((v): v is number => Number.isFinite(v));

  const xDomain = xDomainFor(kind, xs);
  const x = makeScale(kind, xDomain, [plot.x0, plot.x1], opts.xReverse ?? false);
  const yDomain = opts.yDomain ?? (ys.length ? niceDomain(Math.min(...ys), Math.max(...ys)) : [0, 1]);
  const y = makeScale('linear', yDomain, [plot.y0, plot.y1]);
  const id = `clip-${hash(JSON.stringify(opts))}`;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="12">`);
  out.push(`<title>${escapeXml(opts.title)}</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<defs><clipPath id="${id}"><rect x="${plot.x0}" y="${plot.y1}" width="${n(plot.x1 - plot.x0)}" height="${n(plot.y0 - plot.y1)}"/></clipPath></defs>`);
  out.push(text((plot.x0 + plot.x1) / 2, 22, opts.title, 'middle', 'font-size="15" font-weight="bold"'));
  out.push(...axes(opts, x, y, plot, kind, xDomain));
  out.push(`<g clip-path="url(#${id})">`);
  for (const s of series) out.push(band(s.points, s.color, x, y));
  for (const s of series) out.push(line(s.points, s.color, s.dashed ?? false, x, y));
  out.push('</g>');
  // Markers are not clipped (a clip would halve those on the frame): skip points outside instead.
  const inside = (p: PlotPoint) => p.y >= yDomain[0] - 1e-9 * Math.abs(yDomain[0]) && p.y <= yDomain[1] + 1e-9 * Math.abs(yDomain[1]);
  for (const s of series) {
    if (s.points.length > MAX_MARKERS) continue;
    for (const p of s.points.filter(inside)) {
      out.push(`<circle class="marker" cx="${n(x.map(p.x))}" cy="${n(y.map(p.y))}" r="3" fill="${escapeXml(s.color)}" stroke="#ffffff" stroke-width="0.8"/>`);
    }
  }
  if (all.length === 0) out.push(text((plot.x0 + plot.x1) / 2, (plot.y0 + plot.y1) / 2, 'no data', 'middle', 'fill="#888888"'));
  out.push(legend(series, plot.x1 + 16, plot.y1));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function xDomainFor(kind: ScaleKind, xs: number[]): [number, number] {
  if (xs.length === 0) return kind === 'log' ? [1, 100] : [0, 1];
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (kind === 'linear') return niceDomain(lo, hi);
  // Pad 4% of the span (in log space) so edge markers are not cut by the frame.
  const l0 = Math.log10(lo);
  const l1 = Math.log10(hi);
  const pad = Math.max(0.04 * (l1 - l0), 0.05);
  return [10 ** (l0 - pad), 10 ** (l1 + pad)];
}

interface Box { x0: number; x1: number; y0: number; y1: number }

function axes(opts: LinePlotOptions, x: Scale, y: Scale, p: Box, kind: ScaleKind, xDomain: [number, number]): string[] {
  const out: string[] = ['<g class="axes">'];
  const inX = (v: number) => v >= xDomain[0] * (1 - 1e-9) && v <= xDomain[1] * (1 + 1e-9);
  const rawX = opts.xTicks ? opts.xTicks.filter((v) => Number.isFinite(v) && (kind === 'linear' || v > 0) && inX(v))
    : kind === 'log' ? logTicks(xDomain[0], xDomain[1]) : linearTicks(xDomain[0], xDomain[1], 6);
  const xTicks = thinTicks([...rawX].sort((a, b) => b - a), x, 34).sort((a, b) => a - b);
  const yTicks = linearTicks(y.domain[0], y.domain[1], 6);
  for (const t of xTicks) {
    const px = n(x.map(t));
    out.push(`<line class="grid" x1="${px}" y1="${p.y1}" x2="${px}" y2="${p.y0}" stroke="#e4e4e4"/>`);
    out.push(`<line class="tick" x1="${px}" y1="${p.y0}" x2="${px}" y2="${p.y0 + 5}" stroke="#333333"/>`);
    out.push(text(x.map(t), p.y0 + 18, formatTick(t), 'middle', 'class="tick-label"'));
  }
  for (const t of yTicks) {
    const py = n(y.map(t));
    out.push(`<line class="grid" x1="${p.x0}" y1="${py}" x2="${p.x1}" y2="${py}" stroke="#e4e4e4"/>`);
    out.push(`<line class="tick" x1="${p.x0 - 5}" y1="${py}" x2="${p.x0}" y2="${py}" stroke="#333333"/>`);
    out.push(text(p.x0 - 8, y.map(t) + 4, formatTick(t, 4), 'end', 'class="tick-label"'));
  }
  out.push(`<rect x="${p.x0}" y="${p.y1}" width="${n(p.x1 - p.x0)}" height="${n(p.y0 - p.y1)}" fill="none" stroke="#333333"/>`);
  out.push(text((p.x0 + p.x1) / 2, p.y0 + 38, opts.xLabel, 'middle', 'font-size="13"'));
  const cy = n((p.y0 + p.y1) / 2);
  out.push(`<text x="18" y="${cy}" text-anchor="middle" font-size="13" transform="rotate(-90 18 ${cy})">${escapeXml(opts.yLabel)}</text>`);
  out.push('</g>');
  return out;
}

function band(points: PlotPoint[], color: string, x: Scale, y: Scale): string {
  const withBand = points.filter((p) => Number.isFinite(p.yMin) || Number.isFinite(p.yMax));
  if (withBand.length === 0) return '';
  const hiOf = (p: PlotPoint) => (Number.isFinite(p.yMax) ? p.yMax! : p.y);
  const loOf = (p: PlotPoint) => (Number.isFinite(p.yMin) ? p.yMin! : p.y);
  const upper = points.map((p) => `${n(x.map(p.x))},${n(y.map(hiOf(p)))}`);
  const lower = [...points].reverse().map((p) => `${n(x.map(p.x))},${n(y.map(loOf(p)))}`);
  // A single point has no area: a short vertical bar shows its range instead.
  if (points.length === 1) {
    return `<path class="band" d="M${upper[0]}L${lower[0]}" stroke="${escapeXml(color)}" stroke-opacity="0.5" stroke-width="6"/>`;
  }
  return `<path class="band" d="M${upper.join('L')}L${lower.join('L')}Z" fill="${escapeXml(color)}" fill-opacity="0.18" stroke="none"/>`;
}

function line(points: PlotPoint[], color: string, dashed: boolean, x: Scale, y: Scale): string {
  if (points.length < 2) return '';
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${n(x.map(p.x))},${n(y.map(p.y))}`).join('');
  const dash = dashed ? ' stroke-dasharray="6 4"' : '';
  return `<path class="series-line" d="${d}" fill="none" stroke="${escapeXml(color)}" stroke-width="1.8"${dash}/>`;
}

function legend(series: { name: string; color: string; dashed?: boolean }[], x0: number, y0: number): string {
  const out = ['<g class="legend">'];
  series.forEach((s, i) => {
    const cy = y0 + 10 + i * 20;
    const c = escapeXml(s.color);
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<line x1="${n(x0)}" y1="${cy}" x2="${n(x0 + 24)}" y2="${cy}" stroke="${c}" stroke-width="1.8"${dash}/>`);
    out.push(`<circle class="legend-marker" cx="${n(x0 + 12)}" cy="${cy}" r="3" fill="${c}"/>`);
    out.push(text(x0 + 30, cy + 4, s.name, 'start', ''));
  });
  out.push('</g>');
  return out.join('\n');
}

function text(x: number, y: number, s: string, anchor: 'start' | 'middle' | 'end', attrs: string): string {
  return `<text x="${n(x)}" y="${n(y)}" text-anchor="${anchor}"${attrs ? ' ' + attrs : ''}>${escapeXml(s)}</text>`;
}

/** Two decimals are sub-pixel: enough precision, and the SVG stays small and diffable. */
function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** FNV-1a, so clip-path ids differ between plots inlined into one HTML page. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

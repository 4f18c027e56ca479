/**
 * Axis scales and tick choice for the report's plots: linear and log10, optionally reversed
 * (the paper plots weights remaining from 100% on the left down to ~1% on the right).
 */

/** How an axis maps data to pixels. */
export type ScaleKind = 'linear' | 'log';

/** A data-to-pixel mapping with its domain, range and tick positions. */
export interface Scale {
  kind: ScaleKind;
  domain: [number, number];
  range: [number, number];
  /** Maps a data value to a pixel coordinate (log scales need `v > 0`). */
  map(v: number): number;
}

/**
 * Makes a scale from `domain` (data, lo < hi) onto `range` (pixels). With `reverse`, the domain's
 * high end maps to `range[0]`. Log scales interpolate log10 of the value.
 */
export function makeScale(
  kind: ScaleKind,
  domain: [number, number],
  range: [number, number],
  reverse = false,
): Scale {
  const t = kind === 'log' ? Math.log10 : (v: number) => v;
  const d0 = t(domain[0]);
  const d1 = t(domain[1]);
  const [r0, r1] = reverse ? [range[1], range[0]] : range;
  const span = d1 - d0 || 1;
  return { kind, domain, range, map: (v) => r0 + ((t(v) - d0) / span) * (r1 - r0) };
}

/**
 * "Nice" linear ticks covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about
 * `count` of them, all inside [lo, hi].
 */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep((hi - lo) / Math.max(1, count));
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  // Multiply rather than accumulate so 0.1 + 0.2 rounding never shows up in labels.
  for (let i = first; i <= last; i++) ticks.push(roundTo(i * step, step));
  return ticks;
}

/** Widens [lo, hi] outward to multiples of the nice step for ~`count` ticks. */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return niceDomain(lo - pad, hi + pad, count);
  }
  const step = niceStep((hi - lo) / Math.max(1, count));
  return [roundTo(Math.floor(lo / step + 1e-9) * step, step), roundTo(Math.ceil(hi / step - 1e-9) * step, step)];
}

/**
 * Ticks for a log10 axis on [lo, hi] (lo > 0): the powers of ten inside, plus 2x and 5x
 * multiples when the span is under three decades so that a short axis still gets labels.
 */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi >= lo)) return [];
  const decades = Math.log10(hi / lo);
  const mults = decades < 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of mults) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks;
}

/**
 * Keeps ticks whose pixel positions are at least `minGap` apart, scanning in the given order:
 * explicit ticks (e.g. the pruning levels) can crowd at the sparse end of a log axis.
 */
export function thinTicks(ticks: number[], scale: Scale, minGap: number): number[] {
  const kept: number[] = [];
  let lastPx = -Infinity;
  for (const t of ticks) {
    const px = scale.map(t);
    if (kept.length === 0 || Math.abs(px - lastPx) >= minGap) {
      kept.push(t);
      lastPx = px;
    }
  }
  return kept;
}

/** Formats a tick value compactly: up to `digits` significant digits, no trailing zeros. */
export function formatTick(v: number, digits = 3): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(1).replace('e+', 'e');
  // Large integers keep all their digits (10000 stays 10000, not 1.00e4).
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(digits)));
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

function roundTo(v: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(v.toFixed(Math.min(20, decimals)));
}

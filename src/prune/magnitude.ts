import type { Masks } from './masks.ts';
import { countOnes } from './masks.ts';

/** Scores per prunable parameter (higher = more important); magnitude pruning uses |w|. */
export type Scores = Record<string, Float32Array>;

/** |w| for every masked parameter. */
export function magnitudeScores(weights: Record<string, Float32Array>, masks: Masks): Scores {
  const out: Scores = {};
  for (const name of Object.keys(masks)) {
    const w = weights[name];
    const s = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) s[i] = Math.abs(w[i]);
    out[name] = s;
  }
  return out;
}

/** How many of `remaining` weights a round at `rate` removes: round(rate * remaining). */
export function pruneCount(remaining: number, rate: number): number {
  return Math.round(rate * remaining);
}

/**
 * Clears exactly `k` ones in `mask`: the surviving entries with the lowest scores, ties
 * broken by index (lowest first), so the result is deterministic.
 */
export function pruneLowest(scores: Float32Array, mask: Uint8Array, k: number): void {
  if (k <= 0) return;
  const alive: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) alive.push(i);
  alive.sort((a, b) => scores[a] - scores[b] || a - b);
  for (let j = 0; j < Math.min(k, alive.length); j++) mask[alive[j]] = 0;
}

/** Layer-wise pruning: each layer loses round(rate * its remaining weights). Returns new masks. */
export function pruneLayerwise(scores: Scores, masks: Masks, rates: Record<string, number>): Masks {
  const out: Masks = {};
  for (const [name, m] of Object.entries(masks)) {
    const next = m.slice();
    pruneLowest(scores[name], next, pruneCount(countOnes(m), rates[name] ?? 0));
    out[name] = next;
  }
  return out;
}

/**
 * Global pruning: the lowest-scoring round(rate * remaining) weights across all layers in
 * `include` are removed together; layers not included keep their masks.
 */
export function pruneGlobal(scores: Scores, masks: Masks, rate: number, include: (name: string) => boolean = () => true): Masks {
  const names = Object.keys(masks).filter(include);
  const refs: { layer: number; index: number; score: number }[] = [];
  names.forEach((name, layer) => {
    const m = masks[name];
    const s = scores[name];
    for (let i = 0; i < m.length; i++) if (m[i]) refs.push({ layer, index: i, score: s[i] });
  });
  refs.sort((a, b) => a.score - b.score || a.layer - b.layer || a.index - b.index);
  const out: Masks = {};
  for (const [name, m] of Object.entries(masks)) out[name] = m.slice();
  const k = pruneCount(refs.length, rate);
  for (let j = 0; j < k; j++) out[names[refs[j].layer]][refs[j].index] = 0;
  return out;
}

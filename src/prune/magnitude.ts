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
  clearLowest([{ scores, mask }], k);
}

/**
 * Clears exactly k of the ones across `layers`: lowest score first, ties by layer then
 * index, so the result is deterministic. One typed-array sort finds the k-th lowest score
 * instead of a comparator sort over objects (seconds, not minutes, at VGG-19's 20M weights).
 */
export function clearLowest(layers: { scores: Float32Array; mask: Uint8Array }[], k: number): void {
  if (k <= 0) return;
  let alive = 0;
  for (const { mask } of layers) for (let i = 0; i < mask.length; i++) alive += mask[i];
  const vals = new Float32Array(alive);
  let j = 0;
  for (const { scores, mask } of layers) {
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      if (Number.isNaN(scores[i])) throw new Error('pruning: a score is NaN');
      vals[j++] = scores[i];
    }
  }
  if (k >= alive) {
    for (const { mask } of layers) mask.fill(0);
    return;
  }
  vals.sort();
  const threshold = vals[k - 1];
  // everything strictly below the threshold goes; then the ties, in layer and index order
  let below = 0;
  for (let i = 0; i < k; i++) if (vals[i] < threshold) below++;
  let ties = k - below;
  for (const { scores, mask } of layers) {
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      if (scores[i] < threshold) mask[i] = 0;
      else if (scores[i] === threshold && ties > 0) {
        mask[i] = 0;
        ties--;
      }
    }
  }
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
  const out: Masks = {};
  for (const [name, m] of Object.entries(masks)) out[name] = m.slice();
  const names = Object.keys(masks).filter(include);
  let alive = 0;
  for (const name of names) alive += countOnes(masks[name]);
  clearLowest(names.map((name) => ({ scores: scores[name], mask: out[name] })), pruneCount(alive, rate));
  return out;
}

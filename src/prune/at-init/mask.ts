/**
 * From scores to masks at exact sizes, so that a method pruned at initialisation can be
 * compared with an IMP ticket "at the same sparsity": either the same total number of weights
 * remaining, allocated globally by score, or exactly the ticket's per-layer counts.
 */
import type { Masks } from '../masks.ts';
import { countOnes, maskTotals } from '../masks.ts';
import { type Scores, clearLowest } from '../magnitude.ts';

/** How weights are allocated to layers when the target is a density. */
export type AllocationMode = 'global' | 'layerwise';

/** Surviving weights per layer (a ticket's allocation, to pass back to maskFromScores). */
export function layerCounts(masks: Masks): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, m] of Object.entries(masks)) out[name] = countOnes(m);
  return out;
}

/**
 * New masks keeping the highest-scoring weights among those `current` still keeps (pruned
 * weights never come back). `target` is either
 * - a density d in [0, 1]: 'global' (the default) keeps round(d * all prunable weights) across
 *   layers by one threshold; 'layerwise' keeps round(d * layer size) in each layer. To match a
 *   ticket's total exactly, pass d = remaining / total (it rounds back to `remaining`);
 * - per-layer counts (see layerCounts): each layer keeps exactly that many (mode must be
 *   'layerwise' or omitted).
 * Ties go to the lower index (layer order first for 'global'), so the result is deterministic
 * and the same as pruneGlobal / pruneLowest would give (see clearLowest).
 */
export function maskFromScores(scores: Scores, current: Masks, target: number | Record<string, number>, mode?: AllocationMode): Masks {
  for (const name of Object.keys(current)) {
    const s = scores[name];
    if (s === undefined || s.length !== current[name].length) throw new Error(`maskFromScores: no scores of the right size for '${name}'`);
  }
  if (typeof target !== 'number') {
    if (mode === 'global') throw new Error('maskFromScores: per-layer counts allocate per layer; use mode "layerwise" or omit it');
    return keepPerLayer(scores, current, target);
  }
  if (!(target >= 0 && target <= 1)) throw new Error(`maskFromScores: density must be in [0, 1], got ${target}`);
  if (mode === 'layerwise') {
    const counts: Record<string, number> = {};
    for (const [name, m] of Object.entries(current)) counts[name] = Math.round(target * m.length);
    return keepPerLayer(scores, current, counts);
  }
  const { remaining, total } = maskTotals(current);
  const keep = Math.round(target * total);
  if (keep > remaining) throw new Error(`maskFromScores: density ${target} keeps ${keep} weights but only ${remaining} remain`);
  const out: Masks = {};
  for (const [name, m] of Object.entries(current)) out[name] = m.slice();
  clearLowest(Object.keys(out).map((name) => ({ scores: scores[name], mask: out[name] })), remaining - keep);
  return out;
}

/** Each layer keeps exactly counts[name] of its surviving weights, the highest-scoring. */
function keepPerLayer(scores: Scores, current: Masks, counts: Record<string, number>): Masks {
  const out: Masks = {};
  for (const [name, m] of Object.entries(current)) {
    const keep = counts[name];
    const alive = countOnes(m);
    if (keep === undefined) throw new Error(`maskFromScores: no count for '${name}'`);
    if (!Number.isInteger(keep) || keep < 0 || keep > alive) throw new Error(`maskFromScores: '${name}' cannot keep ${keep} of its ${alive} surviving weights`);
    const next = m.slice();
    clearLowest([{ scores: scores[name], mask: next }], alive - keep);
    out[name] = next;
  }
  return out;
}

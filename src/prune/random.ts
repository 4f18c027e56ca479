import type { Rng } from '../util/rng.ts';
import type { Masks } from './masks.ts';
import { countOnes } from './masks.ts';

/**
 * Random pruning control: for each layer a uniformly random mask with exactly as many ones
 * as the given mask has (the same per-layer sizes, different positions).
 */
export function randomMasksLike(masks: Masks, rng: Rng): Masks {
  const out: Masks = {};
  for (const [name, m] of Object.entries(masks)) {
    const keep = countOnes(m);
    const idx = new Int32Array(m.length);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    // partial Fisher-Yates: the first `keep` positions of a random permutation survive
    for (let i = 0; i < keep; i++) {
      const j = i + rng.int(idx.length - i);
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
    }
    const r = new Uint8Array(m.length);
    for (let i = 0; i < keep; i++) r[idx[i]] = 1;
    out[name] = r;
  }
  return out;
}

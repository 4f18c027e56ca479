/** The random-at-initialisation control: scores that carry no information. */
import type { Rng } from '../../util/rng.ts';
import type { Masks } from '../masks.ts';
import type { Scores } from '../magnitude.ts';

/**
 * Independent uniform [0, 1) scores for every position of every mask, drawn from `rng` in
 * mask order. With maskFromScores, 'layerwise' gives per-layer uniformly random masks of the
 * requested counts and 'global' a uniformly random subset of the requested total size.
 */
export function randomScores(masks: Masks, rng: Rng): Scores {
  const out: Scores = {};
  for (const [name, m] of Object.entries(masks)) {
    const s = new Float32Array(m.length);
    for (let i = 0; i < s.length; i++) s[i] = rng.next();
    out[name] = s;
  }
  return out;
}

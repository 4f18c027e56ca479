/**
 * SET, Sparse Evolutionary Training (Mocanu et al., Nature Communications 2018): a fixed
 * number of connections per layer; periodically the weakest fraction ζ are removed and as
 * many are added at random positions.
 */
import type { Masks } from '../masks.ts';
import type { Rng } from '../../util/rng.ts';
import { PruneRegrow, type PruneRegrowOptions } from './prune-regrow.ts';
import { type Rewirer, sampleWithoutReplacement } from './rewirer.ts';

/** Settings of SET. */
export interface SetOptions extends Omit<PruneRegrowOptions, 'fraction'> {
  /** ζ, the fraction of each layer's active weights replaced per update (paper: 0.3). */
  fraction?: number;
  /** Draws the grown positions. */
  rng: Rng;
}

/**
 * A SET rewirer starting from `masks`: every `interval` steps, per layer, the round(ζ·active)
 * active weights of smallest |w| (ties: lower index) are pruned and as many dormant positions,
 * uniformly at random, grow (at 0 unless `initialWeights` is given). Seeded by `rng`.
 */
export function setRewirer(masks: Masks, opts: SetOptions): Rewirer {
  const zeta = opts.fraction ?? 0.3;
  return new PruneRegrow('set', masks, { ...opts, fraction: () => zeta }, (_b, _p, candidates, k) => sampleWithoutReplacement(candidates, k, opts.rng));
}

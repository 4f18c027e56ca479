/**
 * RigL, "Rigging the Lottery" (Evci et al., ICML 2020): prune-and-regrow where the grown
 * connections are the dormant ones with the largest dense gradient |dL/dw|, and ζ decays to
 * zero on a cosine schedule.
 *
 * Requirement: the gradient of a pruned position must be the dense one. The autograd Linear
 * computes dW = dYᵀX densely, so after a step `tensor.grad` holds it at every position. A
 * layer whose backward samples the gradient only where the mask is 1 (a sparse SDDMM weight
 * gradient) leaves zeros there; the rewirer detects that and throws rather than growing
 * blindly. Use dense gradients on update steps (every `interval`-th) for such layers.
 */
import type { Backend } from '../../backend/backend.ts';
import type { Parameter } from '../../nn/module.ts';
import { clearLowest } from '../magnitude.ts';
import type { Masks } from '../masks.ts';
import { PruneRegrow, type PruneRegrowOptions } from './prune-regrow.ts';
import type { Rewirer } from './rewirer.ts';

/** Settings of RigL. */
export interface RiglOptions extends Omit<PruneRegrowOptions, 'fraction' | 'endIteration'> {
  /** ζ at iteration 0, the start of the cosine decay (paper: 0.3). */
  fraction?: number;
  /** T_end: the cosine reaches 0 here and updates stop (paper: 75% of training). */
  endIteration: number;
}

/** ζ_t = ζ/2 · (1 + cos(π t / T_end)) for t <= T_end, else 0 (RigL's cosine decay). */
export function cosineFraction(zeta: number, endIteration: number): (iteration: number) => number {
  return (t) => (t > endIteration ? 0 : (zeta / 2) * (1 + Math.cos((Math.PI * t) / endIteration)));
}

/** The k candidates with the largest |gradient| (ties: lower index), as RigL grows. */
function largestGradient(b: Backend, p: Parameter, candidates: Int32Array, k: number): Int32Array {
  if (p.tensor.grad === null || !p.tensor.gradWritten) throw new Error(`rigl: '${p.name}' has no gradient from the last step`);
  const g = b.read(p.tensor.grad);
  let dormantGrad = false;
  for (const i of candidates) if (g[i] !== 0) dormantGrad = true;
  if (!dormantGrad && g.some((v) => v !== 0)) {
    throw new Error(`rigl: '${p.name}' has a gradient only where its mask is 1; RigL needs the dense gradient (see rigl.ts)`);
  }
  // the k lowest of -|g| are the k largest |g|: clear them from an all-candidates mask
  const scores = new Float32Array(candidates.length);
  candidates.forEach((i, j) => (scores[j] = -Math.abs(g[i])));
  const pick = new Uint8Array(candidates.length).fill(1);
  clearLowest([{ scores, mask: pick }], k);
  const out: number[] = [];
  pick.forEach((v, j) => v === 0 && out.push(candidates[j]));
  return Int32Array.from(out);
}

/**
 * A RigL rewirer starting from `masks`: every `interval` steps up to `endIteration`, per
 * layer, the round(ζ_t·active) active weights of smallest |w| are pruned and as many dormant
 * positions with the largest |dense gradient| grow (at 0 unless `initialWeights` is given).
 * Deterministic: no randomness beyond the training itself.
 */
export function riglRewirer(masks: Masks, opts: RiglOptions): Rewirer {
  if (!(opts.endIteration > 0)) throw new Error(`rigl: endIteration must be > 0, got ${opts.endIteration}`);
  return new PruneRegrow('rigl', masks, { ...opts, fraction: cosineFraction(opts.fraction ?? 0.3, opts.endIteration) }, largestGradient);
}

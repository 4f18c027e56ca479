/**
 * SynFlow (Tanaka, Kunin, Yamins & Ganguli, NeurIPS 2020): data-free iterative pruning by
 * synaptic saliency. With every parameter replaced by its absolute value and an all-ones
 * input, R = sum of the outputs is the total "synaptic flow"; a weight scores |θ ⊙ dR/dθ|.
 * Pruning a little at a time (density^(k/n) after iteration k) avoids layer collapse.
 */
import { featureCount } from '../../data/dataset.ts';
import type { Backend } from '../../backend/backend.ts';
import { Tensor } from '../../autograd/tensor.ts';
import type { Parameter } from '../../nn/module.ts';
import { type Masks, maskTotals } from '../masks.ts';
import type { Scores } from '../magnitude.ts';
import { type ScoredNet, clearGradFlags, installedMask, readGrad, scoringCtx } from './grad.ts';
import { type AllocationMode, layerCounts, maskFromScores } from './mask.ts';

/** Knobs of the SynFlow saliency. */
export interface SynflowSaliencyOptions {
  /**
   * Guard against f32 overflow of R (a product of per-layer sums: it overflows in deep, wide
   * nets). When on (the default), walking the parameters in order, each prunable weight
   * tensor is scaled by c = 1 / (its mean row sum of |θ|), which keeps the flow near 1 per
   * layer, and every other parameter (a bias) by the product C of the c's so far. For a chain
   * of Linear/Conv layers whose parameters come in forward order this multiplies R, and every
   * score, by the same C, so rankings are unchanged; scores are then relative, not absolute.
   * Networks with skip connections or batch norm are not homogeneous that way: pass false.
   */
  rescale?: boolean;
}

/** Options of the iterative pruner. */
export interface SynflowOptions extends SynflowSaliencyOptions {
  /** Masks to start from (default: the installed masks, all ones where none is installed). */
  masks?: Masks;
  /** How each iteration allocates the kept weights (default 'global', as in the paper). */
  mode?: AllocationMode;
}

/** Values to score with: |θ| (pruned weights 0), optionally rescaled layer by layer. */
function linearised(orig: Float32Array[], params: Parameter[], masks: Masks, rescale: boolean): Float32Array[] {
  let product = 1;
  return params.map((p, j) => {
    const m = p.prunable ? masks[p.name] : undefined;
    const v = new Float32Array(p.size);
    for (let i = 0; i < v.length; i++) v[i] = m !== undefined && m[i] === 0 ? 0 : Math.abs(orig[j][i]);
    if (!rescale) return v;
    if (p.prunable) {
      const rows = p.tensor.shape[0] ?? 1;
      let sum = 0;
      for (let i = 0; i < v.length; i++) sum += v[i];
      const c = sum > 0 ? rows / sum : 1;
      product *= c;
      for (let i = 0; i < v.length; i++) v[i] *= c;
    } else {
      for (let i = 0; i < v.length; i++) v[i] *= product;
    }
    return v;
  });
}

/**
 * One SynFlow scoring pass under `masks`: |θ ⊙ dR/dθ| for every prunable parameter, with
 * R = sum of the outputs for one all-ones input of `inputShape`, parameters set to |θ|
 * (biases too, as in the reference implementation), model in evaluation mode. Pruned weights
 * score 0. The original parameter values are restored before returning.
 */
export function synflowSaliency(b: Backend, net: ScoredNet, inputShape: readonly number[], masks: Masks, opts: SynflowSaliencyOptions = {}): Scores {
  const params = net.params;
  const orig = params.map((p) => b.read(p.tensor.buf));
  const features = featureCount(inputShape);
  const out: Scores = {};
  try {
    const values = linearised(orig, params, masks, opts.rescale ?? true);
    params.forEach((p, j) => b.write(p.tensor.buf, values[j]));
    b.resetScratch();
    clearGradFlags(params);
    const ctx = scoringCtx(b);
    // one row of `features`, the layout trainStep feeds every model
    const x = new Tensor([1, features], b.scratch(features), false);
    b.fill(x.buf, 1, features);
    const y = net.model.forward(ctx, x);
    const r = b.sum(y.buf, y.size);
    if (!Number.isFinite(r)) throw new Error(`synflowSaliency: the synaptic flow R overflowed (${r})${opts.rescale === false ? '; try rescale: true' : ''}`);
    // dR/dy = 1 everywhere: seed the output gradient, then run the tape
    y.grad = b.scratch(y.size);
    b.fill(y.grad, 1, y.size);
    y.gradWritten = true;
    ctx.tape!.backward();
    params.forEach((p, j) => {
      if (!p.prunable) return;
      const g = readGrad(b, p);
      const v = values[j];
      const s = new Float32Array(p.size);
      for (let i = 0; i < s.length; i++) s[i] = Math.abs(v[i] * g[i]);
      out[p.name] = s;
    });
  } finally {
    b.resetScratch();
    params.forEach((p, j) => b.write(p.tensor.buf, orig[j]));
  }
  return out;
}

/**
 * Iterative SynFlow: `iterations` rounds of scoring and pruning to density^(k/iterations)
 * (the paper's exponential schedule, 100 rounds by default), ending at exactly
 * round(density * total) weights ('global') or round(density * size) per layer. Returns the
 * final masks; the network's weights are unchanged and no mask is installed.
 */
export function synflowScores(b: Backend, net: ScoredNet, inputShape: readonly number[], density: number, iterations = 100, opts: SynflowOptions = {}): Masks {
  if (!(density >= 0 && density <= 1)) throw new Error(`synflowScores: density must be in [0, 1], got ${density}`);
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`synflowScores: iterations must be an integer >= 1, got ${iterations}`);
  let masks: Masks = opts.masks ?? Object.fromEntries(net.params.filter((p) => p.prunable).map((p) => [p.name, installedMask(b, p)]));
  const mode = opts.mode ?? 'global';
  for (let k = 1; k <= iterations; k++) {
    const d = density ** (k / iterations);
    const scores = synflowSaliency(b, net, inputShape, masks, opts);
    // a starting mask sparser than the schedule: prune only once the schedule passes it
    if (mode === 'global') {
      const { remaining, total } = maskTotals(masks);
      masks = maskFromScores(scores, masks, Math.min(d, total > 0 ? remaining / total : 1), 'global');
    } else {
      const alive = layerCounts(masks);
      const counts: Record<string, number> = {};
      for (const [name, m] of Object.entries(masks)) counts[name] = Math.min(Math.round(d * m.length), alive[name]);
      masks = maskFromScores(scores, masks, counts, 'layerwise');
    }
  }
  return masks;
}

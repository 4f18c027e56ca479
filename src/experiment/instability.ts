import { featureCount } from '../data/dataset.ts';
import type { Backend } from '../backend/backend.ts';
import type { Dataset } from '../data/dataset.ts';
import type { Module, Parameter } from '../nn/module.ts';
import type { Weights } from '../train/state.ts';
import { restoreWeights } from '../train/state.ts';
import { evaluate } from '../train/trainer.ts';
import type { Rng } from '../util/rng.ts';

/** One point on the straight line between two trained networks. */
export interface PathPoint {
  /** Weight of the second network: w = (1 - alpha)·wA + alpha·wB. */
  alpha: number;
  testError: number;
  testLoss: number;
}

/** (1 - alpha)·a + alpha·b for every named tensor (both must hold the same names and sizes). */
export function interpolateWeights(a: Weights, b: Weights, alpha: number): Weights {
  const out: Weights = {};
  for (const [name, wa] of Object.entries(a)) {
    const wb = b[name];
    if (wb === undefined || wb.length !== wa.length) throw new Error(`interpolateWeights: '${name}' differs between the two networks`);
    const w = new Float32Array(wa.length);
    for (let i = 0; i < w.length; i++) w[i] = (1 - alpha) * wa[i] + alpha * wb[i];
    out[name] = w;
  }
  return out;
}

/** `points` evenly spaced alphas from 0 to 1 inclusive (at least 2). */
export function alphas(points: number): number[] {
  const n = Math.max(2, points);
  return Array.from({ length: n }, (_, i) => i / (n - 1));
}

/**
 * Linear mode connectivity (Frankle et al. 2020): test error and loss of the networks on the
 * segment between `wa` and `wb`. The network's weights are left at `wb` afterwards.
 */
export function interpolationPath(b: Backend, model: Module, params: Parameter[], data: Dataset, wa: Weights, wb: Weights, points: number, rng: Rng): PathPoint[] {
  const features = featureCount(data.inputShape);
  return alphas(points).map((alpha) => {
    restoreWeights(b, params, interpolateWeights(wa, wb, alpha));
    const r = evaluate(b, model, data.test, features, data.numClasses, rng);
    return { alpha, testError: 1 - r.accuracy, testLoss: r.loss };
  });
}

/**
 * The error barrier (instability): the maximum test error on the path minus the mean of the
 * errors at its two ends. Near 0 means the two networks are linearly mode-connected (stable).
 */
export function errorBarrier(errors: readonly number[]): number {
  if (errors.length < 2) throw new Error('errorBarrier: need the errors of at least the two end points');
  const ends = (errors[0] + errors[errors.length - 1]) / 2;
  return Math.max(...errors) - ends;
}

/**
 * SNIP (Lee, Ajanthan & Torr, ICLR 2019): connection sensitivity |w ⊙ dL/dw| at
 * initialisation, the first-order change in loss from removing each weight.
 */
import type { Backend } from '../../backend/backend.ts';
import type { Scores } from '../magnitude.ts';
import { type ScoreBatch, type ScoredNet, lossGradient, readPrunable } from './grad.ts';

/**
 * SNIP scores for every prunable parameter: |w ⊙ g| with g the gradient of the mean
 * cross-entropy over all examples of `batches` (each `features` wide), the model in
 * evaluation mode. Higher = keep. Pruned weights (w = 0) score 0. Weights are unchanged.
 */
export function snipScores(b: Backend, net: ScoredNet, batches: readonly ScoreBatch[], features: number): Scores {
  const { grads } = lossGradient(b, net, batches, features);
  const weights = readPrunable(b, net.params);
  const out: Scores = {};
  for (const [name, w] of Object.entries(weights)) {
    const g = grads[name];
    const s = new Float32Array(w.length);
    for (let i = 0; i < w.length; i++) s[i] = Math.abs(w[i] * g[i]);
    out[name] = s;
  }
  return out;
}

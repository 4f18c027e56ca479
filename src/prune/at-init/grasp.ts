/**
 * GraSP (Wang, Zhang & Grosse, ICLR 2020): prune the weights whose removal least reduces the
 * gradient flow. GraSP's score is S = −θ ⊙ Hg (g = ∇L, H the Hessian of L) and it removes
 * the weights with the highest S. Here every method follows "keep the highest score", so
 * graspScores returns θ ⊙ Hg = −S: keeping the highest θ ⊙ Hg is removing the highest S.
 *
 * Hg comes from a central finite difference of two gradients, which the ordinary autograd
 * gives: Hv ≈ (∇L(θ + εv) − ∇L(θ − εv)) / 2ε, only the prunable weights perturbed.
 */
import type { Backend } from '../../backend/backend.ts';
import type { Parameter } from '../../nn/module.ts';
import type { Scores } from '../magnitude.ts';
import { type ScoreBatch, type ScoredNet, type Vectors, installedMask, lossGradient, readPrunable } from './grad.ts';

/** Knobs of GraSP's gradient and Hessian-vector product. */
export interface GraspOptions {
  /**
   * The logits are divided by T before the softmax. Both reference implementations (the
   * authors' and the SynFlow authors') use T = 200, the default; 1 is plain cross-entropy.
   */
  temperature?: number;
  /**
   * Finite-difference step relative to the weights: ε = relStep · ‖θ‖ / ‖v‖, so the
   * perturbation moves the weight vector by relStep of its own norm whatever the scale of v.
   * Default 1e-3: near the f32 optimum (roundoff ~ 6e-8 / relStep, truncation ~ relStep²) and
   * small enough to cross few ReLU kinks.
   */
  relStep?: number;
}

const DEFAULT_TEMPERATURE = 200;
const DEFAULT_REL_STEP = 1e-3;

function norm(vs: Iterable<ArrayLike<number>>): number {
  let s = 0;
  for (const v of vs) for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function writeShifted(b: Backend, prunable: Parameter[], base: Record<string, Float32Array>, v: Vectors, step: number): void {
  for (const p of prunable) {
    const w0 = base[p.name];
    const d = v[p.name];
    const w = new Float32Array(w0.length);
    for (let i = 0; i < w.length; i++) w[i] = w0[i] + step * d[i];
    b.write(p.tensor.buf, w);
  }
}

/**
 * H·v for the mean loss over `batches` (Hessian with respect to the prunable weights), by the
 * central difference above. `v` holds one vector per prunable parameter. The weights are
 * restored exactly afterwards. Returns Hv and the ε used.
 */
export function hessianVectorProduct(b: Backend, net: ScoredNet, batches: readonly ScoreBatch[], features: number, v: Vectors, opts: GraspOptions = {}): { hv: Vectors; eps: number } {
  const temperature = opts.temperature ?? DEFAULT_TEMPERATURE;
  const relStep = opts.relStep ?? DEFAULT_REL_STEP;
  const prunable = net.params.filter((p) => p.prunable);
  const base = readPrunable(b, net.params);
  const hv: Vectors = {};
  for (const p of prunable) hv[p.name] = new Float64Array(p.size);
  const vNorm = norm(prunable.map((p) => v[p.name]));
  if (vNorm === 0) return { hv, eps: 0 };
  const thetaNorm = norm(Object.values(base));
  const eps = (relStep * (thetaNorm > 0 ? thetaNorm : 1)) / vNorm;
  try {
    writeShifted(b, prunable, base, v, eps);
    const plus = lossGradient(b, net, batches, features, temperature).grads;
    writeShifted(b, prunable, base, v, -eps);
    const minus = lossGradient(b, net, batches, features, temperature).grads;
    for (const p of prunable) {
      const out = hv[p.name];
      for (let i = 0; i < out.length; i++) out[i] = (plus[p.name][i] - minus[p.name][i]) / (2 * eps);
    }
  } finally {
    for (const p of prunable) b.write(p.tensor.buf, base[p.name]);
  }
  return { hv, eps };
}

/**
 * GraSP scores θ ⊙ Hg for every prunable parameter (keep the highest; see the file comment),
 * g the gradient of the temperature-scaled mean cross-entropy over `batches`, model in
 * evaluation mode. g is restricted to the installed masks, so pruned weights stay 0 during
 * the perturbation and score 0. Weights are unchanged afterwards.
 */
export function graspScores(b: Backend, net: ScoredNet, batches: readonly ScoreBatch[], features: number, opts: GraspOptions = {}): Scores {
  const prunable = net.params.filter((p) => p.prunable);
  const { grads } = lossGradient(b, net, batches, features, opts.temperature ?? DEFAULT_TEMPERATURE);
  for (const p of prunable) {
    const m = installedMask(b, p);
    const g = grads[p.name];
    for (let i = 0; i < g.length; i++) if (m[i] === 0) g[i] = 0;
  }
  const { hv } = hessianVectorProduct(b, net, batches, features, grads, opts);
  const weights = readPrunable(b, net.params);
  const out: Scores = {};
  for (const p of prunable) {
    const w = weights[p.name];
    const h = hv[p.name];
    const s = new Float32Array(w.length);
    for (let i = 0; i < s.length; i++) s[i] = w[i] * h[i];
    out[p.name] = s;
  }
  return out;
}

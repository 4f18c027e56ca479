import type { Buf } from '../../backend/backend.ts';
import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget } from '../tensor.ts';

/** The running statistics and constants of one BatchNorm layer (PyTorch defaults). */
export interface BatchNormState {
  /** Running mean and (unbiased) variance, [c] each; updated in training, used in evaluation. */
  runningMean: Buf;
  runningVar: Buf;
  /** Weight of the new batch in the running averages (0.1). */
  momentum: number;
  /** Added to the variance before the square root (1e-5). */
  eps: number;
}

/**
 * Batch normalisation of NCHW x (or [n, c] features, plane 1) with per-channel gamma, beta.
 * Training (ctx.training): normalises with the batch mean and biased variance, and folds them
 * into the running statistics (the variance unbiased, as PyTorch does). Evaluation: normalises
 * with the running statistics. Backward goes through the batch statistics in training.
 */
export function batchNorm(ctx: Ctx, x: Tensor, gamma: Tensor, beta: Tensor, state: BatchNormState): Tensor {
  const b = ctx.backend;
  const [n, c] = x.shape;
  const plane = x.shape.length > 2 ? x.size / (n * c) : 1;
  if (gamma.size !== c || beta.size !== c) throw new Error(`batchNorm: ${c} channels but gamma [${gamma.shape}], beta [${beta.shape}]`);
  const training = ctx.training;
  let mean = state.runningMean;
  let variance = state.runningVar;
  if (training) {
    mean = b.scratch(c);
    variance = b.scratch(c);
    b.batchNormStats(x.buf, mean, variance, n, c, plane);
    const count = n * plane;
    b.scale(state.runningMean, 1 - state.momentum, state.runningMean, c);
    b.axpy(state.momentum, mean, state.runningMean, c);
    b.scale(state.runningVar, 1 - state.momentum, state.runningVar, c);
    b.axpy(count > 1 ? (state.momentum * count) / (count - 1) : state.momentum, variance, state.runningVar, c);
  }
  const y = new Tensor(x.shape, b.scratch(x.size), x.requiresGrad || gamma.requiresGrad || beta.requiresGrad);
  b.batchNormForward(x.buf, mean, variance, gamma.buf, beta.buf, y.buf, n, c, plane, state.eps);
  if (ctx.tape !== null && y.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const dx = x.requiresGrad ? gradTarget(b, x) : { g: b.scratch(x.size), acc: false };
      const dgamma = b.scratch(c);
      const dbeta = b.scratch(c);
      b.batchNormBackward(x.buf, y.grad, mean, variance, gamma.buf, dx.g, dgamma, dbeta, n, c, plane, state.eps, training, dx.acc);
      for (const [p, g] of [[gamma, dgamma], [beta, dbeta]] as const) {
        if (!p.requiresGrad) continue;
        const t = gradTarget(b, p);
        if (t.acc) b.add(t.g, g, t.g, c);
        else b.copy(g, t.g, c);
      }
    });
  }
  return y;
}

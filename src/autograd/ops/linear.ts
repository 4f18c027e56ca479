import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget } from '../tensor.ts';

/**
 * y = act(x·Wᵀ + b) for x[m,k], W[n,k] (PyTorch layout), b[n]; act is ReLU or identity.
 * Forward: one NT GEMM plus a fused bias+ReLU pass. Backward: TN GEMM for dW, NN for dx.
 */
export function linear(ctx: Ctx, x: Tensor, w: Tensor, bias: Tensor | null, relu: boolean): Tensor {
  const b = ctx.backend;
  const [m, k] = x.shape;
  const n = w.shape[0];
  if (w.shape[1] !== k) throw new Error(`linear: x is [${x.shape}] but weight is [${w.shape}]`);
  // Uninitialised: the GEMM (not accumulating) writes every element, as reluBackward does below
  // (zeroing them first is a pass over memory for nothing, ~0.4 ms per evaluation at batch 1000).
  const y = new Tensor([m, n], b.scratchUninit(m * n), x.requiresGrad || w.requiresGrad);
  b.gemm('nt', m, n, k, x.buf, w.buf, y.buf, false);
  if (bias !== null || relu) {
    if (bias !== null) b.biasAct(y.buf, bias.buf, y.buf, m, n, relu);
    else b.relu(y.buf, y.buf, m * n);
  }
  if (ctx.tape !== null && y.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      let dy = y.grad;
      if (relu) {
        const masked = b.scratchUninit(m * n);
        b.reluBackward(y.buf, y.grad, masked, m * n, false);
        dy = masked;
      }
      if (w.requiresGrad) {
        const t = gradTarget(b, w);
        b.gemm('tn', n, k, m, dy, x.buf, t.g, t.acc);
      }
      if (bias !== null && bias.requiresGrad) {
        const t = gradTarget(b, bias);
        b.colSum(dy, t.g, m, n, t.acc);
      }
      if (x.requiresGrad) {
        const t = gradTarget(b, x);
        b.gemm('nn', m, k, n, dy, w.buf, t.g, t.acc);
      }
    });
  }
  return y;
}

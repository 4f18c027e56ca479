import type { Buf } from '../../backend/backend.ts';
import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget } from '../tensor.ts';

/**
 * Mean softmax cross-entropy of logits[m,c] against class labels (a buffer of m floats).
 * Returns the loss value; when taping, records the backward that seeds d(loss)/d(logits).
 * It is the terminal op of a step: backward starts from it with an upstream gradient of 1.
 */
export function softmaxCrossEntropy(ctx: Ctx, logits: Tensor, labels: Buf): number {
  const b = ctx.backend;
  const [m, c] = logits.shape;
  if (ctx.tape === null || !logits.requiresGrad) return b.softmaxXent(logits.buf, labels, m, c, null);
  const dl = b.scratch(m * c);
  const loss = b.softmaxXent(logits.buf, labels, m, c, dl);
  ctx.tape.record(() => {
    const t = gradTarget(b, logits);
    if (t.acc) b.add(t.g, dl, t.g, m * c);
    else b.copy(dl, t.g, m * c);
  });
  return loss;
}

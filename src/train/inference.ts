/**
 * The forward pass of evaluation in bounded scratch memory. A training step keeps every
 * activation for its backward pass; evaluation needs only the current layer's input. So the
 * top-level layers of a Sequential (every model of nn/ is one; a ResNet BasicBlock is one layer,
 * so its shortcut input stays alive inside it) run with their scratch in two alternating regions
 * (Backend.scratchRegion): a layer reads its input from one region and writes its output and
 * temporaries into the other, which it resets first: that region held the previous layer's
 * input, consumed by then. The scratch held at once is two adjacent layers' worth instead of
 * the whole network's (ResNet-20 on 28x28: ~0.5 MB per image instead of ~2.5 MB). A layer that
 * returns a view of its input (Flatten, Unflatten, Dropout in evaluation) leaves it in place.
 * Any other module runs as one unit.
 */
import type { Ctx } from '../autograd/tape.ts';
import type { Tensor } from '../autograd/tensor.ts';
import { Sequential } from '../nn/layers.ts';
import type { Module } from '../nn/module.ts';

/**
 * `model`'s output for `x` with an evaluation context (no tape). `x` must be a scratch buffer of
 * region 0 (taken after resetScratch()); the output lies in the region selected on return, so
 * the caller's next scratch buffers (labels, loss) go after it and release nothing it needs.
 */
export function inferenceForward(ctx: Ctx, model: Module, x: Tensor): Tensor {
  if (ctx.tape !== null) throw new Error('inferenceForward: needs an evaluation context (no tape): training keeps every activation');
  const b = ctx.backend;
  const layers = model instanceof Sequential ? model.layers : [model];
  let h = x;
  let at: 0 | 1 = 0; // the region h lives in
  for (const layer of layers) {
    const next: 0 | 1 = at === 0 ? 1 : 0;
    b.scratchRegion(next, true);
    const y = layer.forward(ctx, h);
    if (y.buf !== h.buf) at = next;
    h = y;
  }
  b.scratchRegion(at, false);
  return h;
}

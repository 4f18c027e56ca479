import type { Backend } from '../backend/backend.ts';
import type { Ctx } from '../autograd/tape.ts';
import type { Tensor } from '../autograd/tensor.ts';
import { linear } from '../autograd/ops/linear.ts';
import { sparseLinear } from '../autograd/ops/sparse-linear.ts';
import { dropout, relu } from '../autograd/ops/activation.ts';
import { Module, Parameter, makeParameter } from './module.ts';

/**
 * Fully connected layer y = x·Wᵀ + b, W of shape [out, in]; optionally fused with ReLU. Its
 * weight is prunable unless `prunable` is false (heads and embeddings that pruning leaves alone).
 */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  constructor(
    b: Backend,
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly fuseRelu = false,
    prunable = true,
  ) {
    super();
    this.weight = makeParameter(b, `${name}.weight`, [outFeatures, inFeatures], { kind: 'glorotNormal', fanIn: inFeatures, fanOut: outFeatures }, prunable);
    this.bias = makeParameter(b, `${name}.bias`, [outFeatures], { kind: 'zeros' }, false);
  }
  forward(ctx: Ctx, x: Tensor): Tensor {
    // A weight switched to CSR form by the trainer (train/sparse-plan.ts) runs the sparse kernels.
    const s = this.weight.sparse;
    if (s !== null) return sparseLinear(ctx, x, s, this.bias.tensor, this.fuseRelu);
    return linear(ctx, x, this.weight.tensor, this.bias.tensor, this.fuseRelu);
  }
  parameters(): Parameter[] {
    return [this.weight, this.bias];
  }
}

/** Elementwise max(x, 0). */
export class ReLU extends Module {
  forward(ctx: Ctx, x: Tensor): Tensor {
    return relu(ctx, x);
  }
  parameters(): Parameter[] {
    return [];
  }
}

/** Inverted dropout with drop probability p (active only in training). */
export class Dropout extends Module {
  constructor(readonly p: number) {
    super();
  }
  forward(ctx: Ctx, x: Tensor): Tensor {
    return dropout(ctx, x, this.p);
  }
  parameters(): Parameter[] {
    return [];
  }
}

/** Runs its children in order. */
export class Sequential extends Module {
  constructor(readonly layers: Module[]) {
    super();
  }
  forward(ctx: Ctx, x: Tensor): Tensor {
    let h = x;
    for (const l of this.layers) h = l.forward(ctx, h);
    return h;
  }
  parameters(): Parameter[] {
    return this.layers.flatMap((l) => l.parameters());
  }
}

import type { Backend, Buf } from '../backend/backend.ts';
import type { Ctx } from '../autograd/tape.ts';
import { Tensor } from '../autograd/tensor.ts';
import type { SparseWeight } from '../autograd/ops/sparse-linear.ts';
import type { Rng } from '../util/rng.ts';

/** How a parameter is initialised. */
export type Init = { kind: 'glorotNormal'; fanIn: number; fanOut: number } | { kind: 'zeros' } | { kind: 'ones' };

/**
 * A named trainable tensor. `prunable` marks weights (biases and norms are never pruned);
 * `mask` (1 keep / 0 pruned) is set by the pruning layer and honoured by the optimizers.
 * A tensor with requiresGrad false and no grad is layer state (BatchNorm running statistics):
 * snapshotted, restored and initialised with the weights, skipped by the optimizers.
 */
export class Parameter {
  mask: Buf | null = null;
  /** Set while a training run trains this weight in CSR form (train/sparse-plan.ts); else null. */
  sparse: SparseWeight | null = null;
  constructor(
    readonly name: string,
    readonly tensor: Tensor,
    readonly init: Init,
    readonly prunable: boolean,
  ) {}

  /** Number of elements. */
  get size(): number {
    return this.tensor.size;
  }

  /** The tensor the optimizer updates: the nonzero values while sparse, else the dense tensor. */
  get trainable(): Tensor {
    return this.sparse?.values ?? this.tensor;
  }
}

/** A layer or a container of layers. Parameters are created when the module is built. */
export abstract class Module {
  /** Runs the layer. */
  abstract forward(ctx: Ctx, x: Tensor): Tensor;
  /** Every parameter, in a fixed order, with dotted names ("fc1.weight"). */
  abstract parameters(): Parameter[];
}

/** Allocates a parameter's persistent buffer (filled by initParameters). */
export function makeParameter(b: Backend, name: string, shape: number[], init: Init, prunable: boolean): Parameter {
  let n = 1;
  for (const d of shape) n *= d;
  const t = new Tensor(shape, b.alloc(n), true);
  t.grad = b.alloc(n); // persistent: parameter gradients outlive the step arena
  return new Parameter(name, t, init, prunable);
}

/**
 * Fills every parameter from the rng, in parameter order, so that the same seed gives the
 * same network on every backend. Glorot normal: N(0, 2 / (fanIn + fanOut)), the paper's init.
 */
export function initParameters(b: Backend, params: Parameter[], rng: Rng): void {
  for (const p of params) {
    const data = new Float32Array(p.size);
    const init = p.init;
    if (init.kind === 'glorotNormal') {
      const std = Math.sqrt(2 / (init.fanIn + init.fanOut));
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    } else if (init.kind === 'ones') {
      data.fill(1);
    }
    b.write(p.tensor.buf, data);
  }
}

/**
 * Convolutional layers over NCHW tensors: Conv2d, BatchNorm2d, MaxPool2d, GlobalAvgPool,
 * Flatten / Unflatten, and the residual BasicBlock of ResNet-20. Parameter names follow the
 * dotted scheme of layers.ts ("conv1.weight", "bn1.gamma", "stage2.block0.conv1.weight").
 */
import type { Backend } from '../backend/backend.ts';
import type { Padding } from '../backend/conv-geom.ts';
import { relu } from '../autograd/ops/activation.ts';
import { add } from '../autograd/ops/arith.ts';
import { batchNorm } from '../autograd/ops/batchnorm.ts';
import { conv2d } from '../autograd/ops/conv.ts';
import { sparseConv2d } from '../autograd/ops/sparse-conv.ts';
import { globalAvgPool, maxPool2d } from '../autograd/ops/pool.ts';
import { reshape } from '../autograd/ops/shape.ts';
import type { Ctx } from '../autograd/tape.ts';
import { Tensor, sizeOf } from '../autograd/tensor.ts';
import { type Init, Module, Parameter, makeParameter } from './module.ts';

/** Settings of a Conv2d beyond its channel counts. */
export interface Conv2dLayerOptions {
  /** Stride (default 1). */
  stride?: number;
  /** 'same' (default), 'valid' or zero padding on every side. */
  padding?: Padding;
  /** Learn a per-channel bias (default true; false when a BatchNorm follows). */
  bias?: boolean;
  /** Fuse a ReLU after the bias (default false). */
  relu?: boolean;
}

/**
 * 2-D convolution, weight [out, in, k, k] (prunable), Glorot normal with fanIn = in*k*k and
 * fanOut = out*k*k (the paper's init, as Keras computes it for conv kernels), bias zeros.
 */
export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  /** The NCHW shape of the latest input (train/sparse-plan.ts reads it after a probe forward). */
  inputShape: readonly number[] | null = null;
  constructor(b: Backend, readonly name: string, readonly inChannels: number, readonly outChannels: number, readonly kernel = 3, readonly opts: Conv2dLayerOptions = {}) {
    super();
    const area = kernel * kernel;
    this.weight = makeParameter(b, `${name}.weight`, [outChannels, inChannels, kernel, kernel], { kind: 'glorotNormal', fanIn: inChannels * area, fanOut: outChannels * area }, true);
    this.bias = opts.bias === false ? null : makeParameter(b, `${name}.bias`, [outChannels], { kind: 'zeros' }, false);
  }
  forward(ctx: Ctx, x: Tensor): Tensor {
    const { stride, padding, relu: act } = this.opts;
    this.inputShape = x.shape;
    // A weight switched to CSR form by the trainer (train/sparse-plan.ts) runs the sparse kernels.
    const s = this.weight.sparse;
    if (s !== null) return sparseConv2d(ctx, x, s, [this.kernel, this.kernel], this.bias?.tensor ?? null, { stride, padding, relu: act });
    return conv2d(ctx, x, this.weight.tensor, this.bias?.tensor ?? null, { stride, padding, relu: act });
  }
  parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }
}

// Running statistics are Parameters without gradients: snapshots, rewinding, checkpoints and
// re-initialisation handle them with the weights, while optimizers skip them (no gradient)
// and pruning ignores them (not prunable).
function runningStat(b: Backend, name: string, c: number, init: Init): Parameter {
  return new Parameter(name, new Tensor([c], b.alloc(c), false), init, false);
}

/** Batch normalisation per channel (gamma ones, beta zeros; never pruned), optionally + ReLU. */
export class BatchNorm2d extends Module {
  readonly gamma: Parameter;
  readonly beta: Parameter;
  readonly runningMean: Parameter;
  readonly runningVar: Parameter;
  constructor(b: Backend, readonly name: string, readonly channels: number, readonly fuseRelu = false, readonly momentum = 0.1, readonly eps = 1e-5) {
    super();
    this.gamma = makeParameter(b, `${name}.gamma`, [channels], { kind: 'ones' }, false);
    this.beta = makeParameter(b, `${name}.beta`, [channels], { kind: 'zeros' }, false);
    this.runningMean = runningStat(b, `${name}.runningMean`, channels, { kind: 'zeros' });
    this.runningVar = runningStat(b, `${name}.runningVar`, channels, { kind: 'ones' });
  }
  forward(ctx: Ctx, x: Tensor): Tensor {
    const state = { runningMean: this.runningMean.tensor.buf, runningVar: this.runningVar.tensor.buf, momentum: this.momentum, eps: this.eps };
    const y = batchNorm(ctx, x, this.gamma.tensor, this.beta.tensor, state);
    return this.fuseRelu ? relu(ctx, y) : y;
  }
  parameters(): Parameter[] {
    return [this.gamma, this.beta, this.runningMean, this.runningVar];
  }
}

/** Max pooling, 2x2 stride 2 by default (the paper's models). */
export class MaxPool2d extends Module {
  constructor(readonly kernel = 2, readonly stride = kernel, readonly padding: Padding = 'valid') {
    super();
  }
  forward(ctx: Ctx, x: Tensor): Tensor {
    return maxPool2d(ctx, x, this.kernel, this.stride, this.padding);
  }
  parameters(): Parameter[] {
    return [];
  }
}

/** Global average pooling: [n, c, h, w] -> [n, c]. */
export class GlobalAvgPool extends Module {
  forward(ctx: Ctx, x: Tensor): Tensor {
    return globalAvgPool(ctx, x);
  }
  parameters(): Parameter[] {
    return [];
  }
}

/** [n, ...] -> [n, features] for the fully connected head. */
export class Flatten extends Module {
  forward(ctx: Ctx, x: Tensor): Tensor {
    return reshape(ctx, x, [x.size / x.shape[0]]);
  }
  parameters(): Parameter[] {
    return [];
  }
}

/** The trainer's flat rows [n, c*h*w] -> NCHW [n, c, h, w] (the first layer of a conv net). */
export class Unflatten extends Module {
  constructor(readonly shape: readonly number[]) {
    super();
  }
  forward(ctx: Ctx, x: Tensor): Tensor {
    if (x.size !== x.shape[0] * sizeOf(this.shape)) throw new Error(`Unflatten: input [${x.shape}] does not hold rows of [${this.shape}]`);
    return reshape(ctx, x, this.shape);
  }
  parameters(): Parameter[] {
    return [];
  }
}

/**
 * ResNet basic block (He et al. 2016, CIFAR variant): conv3x3(stride)-BN-ReLU-conv3x3-BN, plus
 * a shortcut, then ReLU. The shortcut is the identity, or a 1x1 strided conv + BN where the
 * shape changes (as in open_lth's CIFAR ResNets). Convs have no bias (BN has one).
 */
export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly shortcut: [Conv2d, BatchNorm2d] | null;
  constructor(b: Backend, readonly name: string, inChannels: number, outChannels: number, stride = 1) {
    super();
    // Padding 1 and 0 (not 'same'): PyTorch's windows, which start one pixel before the image.
    this.conv1 = new Conv2d(b, `${name}.conv1`, inChannels, outChannels, 3, { stride, padding: 1, bias: false });
    this.bn1 = new BatchNorm2d(b, `${name}.bn1`, outChannels, true);
    this.conv2 = new Conv2d(b, `${name}.conv2`, outChannels, outChannels, 3, { padding: 1, bias: false });
    this.bn2 = new BatchNorm2d(b, `${name}.bn2`, outChannels);
    this.shortcut = stride !== 1 || inChannels !== outChannels
      ? [new Conv2d(b, `${name}.shortcut`, inChannels, outChannels, 1, { stride, padding: 0, bias: false }), new BatchNorm2d(b, `${name}.shortcutBn`, outChannels)]
      : null;
  }
  forward(ctx: Ctx, x: Tensor): Tensor {
    const h = this.bn2.forward(ctx, this.conv2.forward(ctx, this.bn1.forward(ctx, this.conv1.forward(ctx, x))));
    const s = this.shortcut ? this.shortcut[1].forward(ctx, this.shortcut[0].forward(ctx, x)) : x;
    return relu(ctx, add(ctx, h, s));
  }
  parameters(): Parameter[] {
    const mods: Module[] = [this.conv1, this.bn1, this.conv2, this.bn2, ...(this.shortcut ?? [])];
    return mods.flatMap((m) => m.parameters());
  }
}

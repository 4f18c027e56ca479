/**
 * Conv-2/4/6 (Frankle & Carbin's CIFAR-10 conv nets) written directly in TensorFlow.js ops, the
 * peer of lth's conv training step and inference: pairs of 3x3 'same' convs with ReLU, a 2x2
 * max-pool after each pair, then fully connected ReLU layers and the classes; Glorot normal
 * weights, zero biases, softmax cross-entropy, Adam. NHWC, as tfjs computes convolutions.
 *
 * tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so each conv is a tf.customGrad
 * whose gradients come from convolutions it does have (tfjs-conv.ts, input gradient by the
 * flipped-filter conv: the fastest route tfjs-wasm offers).
 */
import type * as tfjs from '@tensorflow/tfjs';
import { sizeOf } from '../../src/autograd/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { tfjsConv2dGrads } from './tfjs-conv.ts';
import type { Tf } from './tfjs-init.ts';

/** Options for `makeTfjsConvNet`. */
export interface TfjsConvNetOptions {
  batch: number;
  seed: number;
  /** One example, [channels, height, width] (lth's order; default CIFAR-10's [3, 32, 32]). */
  inputShape?: [number, number, number];
  /** Conv widths per stage (default [64]: Conv-2). */
  stages?: number[];
  /** Hidden fully connected widths (default [256, 256]). */
  fc?: number[];
  classes?: number;
  /** Adam learning rate (default 2e-4, the paper's Conv-2). */
  lr?: number;
}

/** A trainable conv net in tfjs variables (see TfjsLenet for the contract of each method). */
export interface TfjsConvNet {
  readonly batch: number;
  /** Features per example (c·h·w); x rows are NCHW per example, as lth's data. */
  readonly inputs: number;
  /** One Adam step; x is batch x inputs (NCHW rows), y batch x classes targets; returns the loss. */
  step(x: Float32Array, y: Float32Array): number;
  /** Logits, n x classes, for n x inputs rows. */
  predict(x: Float32Array): Float32Array;
  dispose(): void;
}

/** Builds the network; each step and prediction runs inside tf.tidy. */
export function makeTfjsConvNet(tf: Tf, opts: TfjsConvNetOptions): TfjsConvNet {
  const { batch, seed } = opts;
  const [c, h, w] = opts.inputShape ?? [3, 32, 32];
  const stages = opts.stages ?? [64];
  const classes = opts.classes ?? 10;
  const rng = new Rng(seed, 'tfjs-convnet-init');
  const glorot = (shape: number[], fanIn: number, fanOut: number): tfjs.Variable => {
    const std = Math.sqrt(2 / (fanIn + fanOut));
    const v = Float32Array.from({ length: sizeOf(shape) }, () => rng.normal() * std);
    return tf.tidy(() => tf.variable(tf.tensor(v, shape), true));
  };
  const convs: { w: tfjs.Variable; b: tfjs.Variable }[] = [];
  let channels = c, height = h, width = w;
  for (const out of stages) {
    for (let j = 0; j < 2; j++) {
      convs.push({ w: glorot([3, 3, channels, out], channels * 9, out * 9), b: tf.tidy(() => tf.variable(tf.zeros([out]), true)) });
      channels = out;
    }
    height = Math.floor(height / 2);
    width = Math.floor(width / 2);
  }
  const sizes = [channels * height * width, ...(opts.fc ?? [256, 256]), classes];
  const dense: { w: tfjs.Variable; b: tfjs.Variable }[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) dense.push({ w: glorot([sizes[l], sizes[l + 1]], sizes[l], sizes[l + 1]), b: tf.tidy(() => tf.variable(tf.zeros([sizes[l + 1]]), true)) });
  const vars = [...convs, ...dense].flatMap((p) => [p.w, p.b]);
  const optimizer = tf.train.adam(opts.lr ?? 2e-4, 0.9, 0.999, 1e-8);
  // conv2d 'same' with gradients from kernels tfjs-wasm registers
  const conv = tf.customGrad((x, k, save) => {
    (save as (t: tfjs.Tensor[]) => void)([x as tfjs.Tensor, k as tfjs.Tensor]);
    return {
      value: tf.conv2d(x as tfjs.Tensor4D, k as tfjs.Tensor4D, 1, 'same'),
      gradFunc: (dy: tfjs.Tensor, saved: tfjs.Tensor[]) => {
        const g = tfjsConv2dGrads(tf, saved[0] as tfjs.Tensor4D, saved[1] as tfjs.Tensor4D, dy as tfjs.Tensor4D, 'flipped-conv');
        return [g.dx, g.dw];
      },
    };
  }) as (x: tfjs.Tensor4D, k: tfjs.Variable) => tfjs.Tensor4D;

  const logitsOf = (rows: Float32Array, n: number): tfjs.Tensor2D => {
    let a: tfjs.Tensor4D = tf.transpose(tf.tensor4d(rows, [n, c, h, w]), [0, 2, 3, 1]);
    convs.forEach((p, i) => {
      a = tf.relu(tf.add(conv(a, p.w), p.b)) as tfjs.Tensor4D;
      if (i % 2 === 1) a = tf.maxPool(a, 2, 2, "valid");
    });
    // flatten in lth's C, H, W order, so the same rows mean the same features
    let z: tfjs.Tensor2D = tf.reshape(tf.transpose(a, [0, 3, 1, 2]), [n, sizes[0]]);
    dense.forEach((p, i) => {
      z = tf.add(tf.matMul(z, p.w), p.b);
      if (i + 1 < dense.length) z = tf.relu(z);
    });
    return z;
  };
  const inputs = c * h * w;
  return {
    batch,
    inputs,
    step(x, y) {
      if (x.length !== batch * inputs || y.length !== batch * classes) throw new Error(`TfjsConvNet.step: expected ${batch}x${inputs} inputs and ${batch}x${classes} targets`);
      const cost = tf.tidy(() => {
        const yt = tf.tensor2d(y, [batch, classes]);
        return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yt, logitsOf(x, batch)) as tfjs.Scalar, true, vars) as tfjs.Scalar;
      });
      const loss = cost.dataSync()[0];
      cost.dispose();
      return loss;
    },
    predict(x) {
      const n = x.length / inputs;
      const logits = tf.tidy(() => logitsOf(x, n));
      const out = logits.dataSync() as Float32Array;
      logits.dispose();
      return out;
    },
    dispose() {
      for (const v of vars) v.dispose();
      optimizer.dispose();
    },
  };
}

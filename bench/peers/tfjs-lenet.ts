/**
 * LeNet-300-100 written directly in TensorFlow.js ops, the peer our engine's training step is
 * measured against: 784-300-100-10, ReLU, Glorot/Xavier normal weights, zero biases, softmax
 * cross-entropy (mean over the batch), Adam at the paper's 1.2e-3.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { Rng } from '../../src/util/rng.ts';
import type { Tf } from './tfjs-init.ts';

/** Layer widths of LeNet-300-100: input, two hidden layers, classes. */
export const LENET_300_100: readonly number[] = [784, 300, 100, 10];

/** Options for `makeTfjsLenet`. */
export interface TfjsLenetOptions {
  /** Rows per training batch; `step` checks its inputs against it. */
  batch: number;
  /** Seed of the weight initialisation (lth's `Rng`, purpose 'tfjs-lenet-init'). */
  seed: number;
  /** Adam learning rate; default 1.2e-3 (Frankle & Carbin, LeNet on MNIST). */
  lr?: number;
}

/** A trainable LeNet-300-100 living in tfjs variables on the current backend. */
export interface TfjsLenet {
  /** Rows per batch that `step` expects. */
  readonly batch: number;
  /**
   * One Adam step on a batch: `x` is batch x 784 row-major, `y` is batch x 10 targets
   * (one-hot or any distribution per row). Returns the mean loss before the update, read back
   * from the backend, so the step has certainly run.
   */
  step(x: Float32Array, y: Float32Array): number;
  /** Logits, n x 10 row-major, for n x 784 inputs (any n >= 1). */
  predict(x: Float32Array): Float32Array;
  /** Frees the variables and the optimizer state; the model is unusable afterwards. */
  dispose(): void;
}

/** Adam's β1, β2, ε: PyTorch's defaults, as our engine uses (tfjs's default ε is 1e-7). */
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPS = 1e-8;

/**
 * Builds LeNet-300-100 with `tf.variable`s and a `tf.train.adam` optimizer; training goes
 * through `optimizer.minimize` (tfjs autograd), each step inside `tf.tidy`, so the tensor
 * count stays flat once Adam has made its moment variables on the first step.
 * Layers are plain matMul + add + relu, not `tf.fused.matMul`: the fused op's custom gradient
 * also computes the gradient for the input batch, which costs tfjs ~30% per step for nothing.
 */
export function makeTfjsLenet(tf: Tf, opts: TfjsLenetOptions): TfjsLenet {
  const { batch, seed } = opts;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new Error(`makeTfjsLenet: batch must be a positive integer, got ${batch}`);
  }
  const lr = opts.lr ?? 1.2e-3;
  const sizes = LENET_300_100;
  const inputs = sizes[0];
  const classes = sizes[sizes.length - 1];
  const rng = new Rng(seed, 'tfjs-lenet-init');

  const weights: tfjs.Variable[] = [];
  const biases: tfjs.Variable[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l];
    const fanOut = sizes[l + 1];
    // Glorot/Xavier normal as in torch.nn.init.xavier_normal_ (untruncated, unlike Keras)
    const std = Math.sqrt(2 / (fanIn + fanOut));
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < w.length; i++) w[i] = rng.normal() * std;
    // tfjs layout: x (batch x in) . W (in x out); tidy frees the staging tensors
    weights.push(tf.tidy(() => tf.variable(tf.tensor2d(w, [fanIn, fanOut]), true)));
    biases.push(tf.tidy(() => tf.variable(tf.zeros([fanOut]), true)));
  }
  const vars = [...weights, ...biases];
  const optimizer = tf.train.adam(lr, ADAM_BETA1, ADAM_BETA2, ADAM_EPS);
  let disposed = false;

  const logitsOf = (x: tfjs.Tensor2D): tfjs.Tensor2D => {
    let h = x;
    for (let l = 0; l < weights.length; l++) {
      h = tf.add(tf.matMul(h, weights[l]), biases[l]);
      if (l + 1 < weights.length) h = tf.relu(h);
    }
    return h;
  };

  const live = (what: string): void => {
    if (disposed) throw new Error(`TfjsLenet.${what}: the model was disposed`);
  };

  return {
    batch,
    step(x: Float32Array, y: Float32Array): number {
      live('step');
      if (x.length !== batch * inputs || y.length !== batch * classes) {
        throw new Error(
          `TfjsLenet.step: expected x of ${batch}x${inputs} and y of ${batch}x${classes} ` +
            `floats, got ${x.length} and ${y.length}`,
        );
      }
      const cost = tf.tidy(() => {
        const xt = tf.tensor2d(x, [batch, inputs]);
        const yt = tf.tensor2d(y, [batch, classes]);
        const f = (): tfjs.Scalar => tf.losses.softmaxCrossEntropy(yt, logitsOf(xt)) as tfjs.Scalar;
        return optimizer.minimize(f, true, vars) as tfjs.Scalar;
      });
      const loss = cost.dataSync()[0];
      cost.dispose();
      return loss;
    },
    predict(x: Float32Array): Float32Array {
      live('predict');
      const n = x.length / inputs;
      if (!Number.isInteger(n) || n < 1) {
        throw new Error(`TfjsLenet.predict: x must hold n x ${inputs} floats, got ${x.length}`);
      }
      const logits = tf.tidy(() => logitsOf(tf.tensor2d(x, [n, inputs])));
      const out = logits.dataSync() as Float32Array;
      logits.dispose();
      return out;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const v of vars) v.dispose();
      optimizer.dispose();
    },
  };
}

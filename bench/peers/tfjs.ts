/**
 * The TensorFlow.js (@tensorflow/tfjs-backend-wasm, Node) peer for lth's benchmarks: setup,
 * LeNet-300-100, and timed helpers for a training step, a matMul and a conv2d layer.
 *
 * The helpers time plain loops (warmup, then run until a step count or a wall-clock budget),
 * which suits multi-millisecond calls; the public bench wraps them or the model in tinybench.
 * Every wasm kernel runs synchronously inside the op call (no lazy queue as on WebGL), so an
 * iteration's work is done when the call returns; the training step also reads its loss back.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { Rng } from '../../src/util/rng.ts';
import { tfjsConv2dFwdBwd, type TfjsConvDxMethod } from './tfjs-conv.ts';
import { initTfjsWasm, tfjsWasmInfo, type Tf } from './tfjs-init.ts';
import { LENET_300_100, makeTfjsLenet } from './tfjs-lenet.ts';

export {
  initTfjsWasm,
  tfjsWasmInfo,
  type Tf,
  type TfjsWasmInfo,
  type TfjsWasmInitOptions,
} from './tfjs-init.ts';
export { LENET_300_100, makeTfjsLenet, type TfjsLenet, type TfjsLenetOptions } from './tfjs-lenet.ts';
export { tfjsConv2dFwdBwd, type TfjsConv2dGrads, type TfjsConvDxMethod } from './tfjs-conv.ts';

/** Options for `benchTfjsTrainSteps`. */
export interface TfjsTrainBenchOptions {
  /** Rows per batch; default 60 (the paper's LeNet batch). */
  batch?: number;
  /** Timed steps to run; when absent, runs for `seconds`. */
  steps?: number;
  /** Untimed steps first (Adam state allocation, wasm tier-up); default 10. */
  warmup?: number;
  /** Wall-clock budget of the timed phase when `steps` is absent; default 3. */
  seconds?: number;
  /** Seed of the weights and the random batches; default 1. */
  seed?: number;
}

/** What `benchTfjsTrainSteps` measured. */
export interface TfjsTrainBenchResult {
  /** Adam steps per wall-clock second, loss read back every step. */
  stepsPerSecond: number;
  /** Adam steps per second of this process's CPU time: steadier than wall time on a shared box. */
  stepsPerCpuSecond: number;
  /** The tfjs backend that ran them: 'wasm'. */
  backend: string;
  /** Whether the SIMD wasm binary ran them. */
  simd: boolean;
  /** Timed steps and the batch they used. */
  steps: number;
  batch: number;
}

/** Options for `benchTfjsConv2d`; defaults are the conv benchmark's layer. */
export interface TfjsConvBenchOptions {
  batch?: number; // 60
  height?: number; // 32
  width?: number; // 32
  inChannels?: number; // 3
  outChannels?: number; // 64
  kernel?: number; // 3, square, stride 1, 'same'
  dxVia?: TfjsConvDxMethod; // 'backprop-kernel', tfjs's own input-gradient kernel
  warmup?: number; // 3 untimed iterations
  seconds?: number; // 2
}

/**
 * Trains LeNet-300-100 (see `makeTfjsLenet`) on seeded random batches (pixels uniform in
 * [0, 1), one-hot random labels, a pool of 8 batches cycled) and returns steps per second.
 * Each step reads its loss back with `dataSync`, as lth's trainer reads its loss every step.
 */
export async function benchTfjsTrainSteps(opts: TfjsTrainBenchOptions = {}): Promise<TfjsTrainBenchResult> {
  const tf = await initTfjsWasm();
  const batch = opts.batch ?? 60;
  const seed = opts.seed ?? 1;
  const [inputs] = LENET_300_100;
  const classes = LENET_300_100[LENET_300_100.length - 1];
  const rng = new Rng(seed, 'tfjs-bench-data');
  const pool = Array.from({ length: 8 }, () => {
    const x = new Float32Array(batch * inputs);
    for (let i = 0; i < x.length; i++) x[i] = rng.next();
    const y = new Float32Array(batch * classes);
    for (let r = 0; r < batch; r++) y[r * classes + rng.int(classes)] = 1;
    return { x, y };
  });
  const model = makeTfjsLenet(tf, { batch, seed });
  try {
    let i = 0;
    let sink = 0;
    const step = (): void => {
      const { x, y } = pool[i++ % pool.length];
      sink += model.step(x, y);
    };
    const t = timeLoop(step, opts.warmup ?? 10, opts.steps, opts.seconds ?? 3);
    if (!Number.isFinite(sink)) throw new Error('benchTfjsTrainSteps: the loss went non-finite');
    const info = await tfjsWasmInfo(tf);
    return {
      stepsPerSecond: t.iterations / t.seconds,
      stepsPerCpuSecond: t.iterations / t.cpuSeconds,
      backend: info.backend,
      simd: info.simd,
      steps: t.iterations,
      batch,
    };
  } finally {
    model.dispose();
  }
}

/**
 * GFLOP/s (2mnk per call) of `tf.matMul(a, b, transposeA, transposeB)` giving an m x n result
 * over a shared dimension k: a is m x k (k x m when transposeA), b is k x n (n x k when
 * transposeB). Operands are fixed, as in a kernel benchmark; note tfjs-wasm caches the
 * XNNPACK operator (and its packed copy of b) per b tensor on its fast, non-transposed path.
 */
export async function benchTfjsMatMul(
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
  seconds = 1,
): Promise<number> {
  for (const [name, v] of [['m', m], ['n', n], ['k', k]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new Error(`benchTfjsMatMul: ${name} must be a positive integer, got ${v}`);
    }
  }
  const tf = await initTfjsWasm();
  const rng = new Rng(m * 65537 + n * 257 + k, 'tfjs-bench-matmul');
  const a = randomTensor(tf, transposeA ? [k, m] : [m, k], rng) as tfjs.Tensor2D;
  const b = randomTensor(tf, transposeB ? [n, k] : [k, n], rng) as tfjs.Tensor2D;
  try {
    const { iterations, seconds: spent } = timeLoop(
      () => tf.matMul(a, b, transposeA, transposeB).dispose(),
      3,
      undefined,
      seconds,
    );
    return (2 * m * n * k * iterations) / spent / 1e9;
  } finally {
    a.dispose();
    b.dispose();
  }
}

/**
 * Milliseconds per forward + backward (dx and dW, see `tfjsConv2dFwdBwd`) of one conv2d
 * layer, stride 1, 'same' padding, no bias; default shape: batch 60, 32x32x3 -> 64 filters 3x3.
 * Operands are fixed across iterations, but dW's conv takes dy as its filter, so XNNPACK
 * re-packs that (large) filter every iteration, as it would in training.
 */
export async function benchTfjsConv2d(opts: TfjsConvBenchOptions = {}): Promise<number> {
  const tf = await initTfjsWasm();
  const n = opts.batch ?? 60;
  const h = opts.height ?? 32;
  const w = opts.width ?? 32;
  const c = opts.inChannels ?? 3;
  const f = opts.outChannels ?? 64;
  const kk = opts.kernel ?? 3;
  const rng = new Rng(1, 'tfjs-bench-conv');
  const x = randomTensor(tf, [n, h, w, c], rng) as tfjs.Tensor4D;
  const filter = randomTensor(tf, [kk, kk, c, f], rng) as tfjs.Tensor4D;
  const dy = randomTensor(tf, [n, h, w, f], rng) as tfjs.Tensor4D;
  try {
    const once = (): void => {
      const g = tfjsConv2dFwdBwd(tf, x, filter, dy, opts.dxVia);
      tf.dispose([g.y, g.dx, g.dw]);
    };
    const { iterations, seconds } = timeLoop(once, opts.warmup ?? 3, undefined, opts.seconds ?? 2);
    return (seconds * 1000) / iterations;
  } finally {
    tf.dispose([x, filter, dy]);
  }
}

/** Standard-normal tensor from lth's seeded Rng (tf.random* would need its own seeding). */
function randomTensor(tf: Tf, shape: number[], rng: Rng): tfjs.Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = rng.normal();
  return tf.tensor(data, shape);
}

/**
 * Runs `fn` `warmup` times untimed, then `steps` times, or (without `steps`) until `seconds`
 * have passed and at least 3 timed calls have run; returns the timed calls, their wall-clock
 * seconds and the process CPU seconds they took.
 */
function timeLoop(
  fn: () => void,
  warmup: number,
  steps: number | undefined,
  seconds: number,
): { iterations: number; seconds: number; cpuSeconds: number } {
  if (steps !== undefined && (!Number.isInteger(steps) || steps < 1)) {
    throw new Error(`steps must be a positive integer, got ${steps}`);
  }
  for (let i = 0; i < warmup; i++) fn();
  const budgetMs = seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let iterations = 0;
  let elapsed = 0;
  for (;;) {
    fn();
    iterations++;
    elapsed = performance.now() - t0;
    if (steps !== undefined ? iterations >= steps : elapsed >= budgetMs && iterations >= 3) break;
  }
  const cpu = process.cpuUsage(cpu0);
  return { iterations, seconds: elapsed / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

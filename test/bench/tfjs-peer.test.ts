import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/util/rng.ts';
import {
  benchTfjsConv2d,
  benchTfjsMatMul,
  benchTfjsTrainSteps,
  initTfjsWasm,
  makeTfjsLenet,
  tfjsConv2dFwdBwd,
  tfjsWasmInfo,
} from '../../bench/peers/tfjs.ts';

const D = 784;
const K = 10;

/**
 * Ten Gaussian class prototypes in 784-d (std 0.2) plus unit noise per sample: separable, but
 * only by averaging over many pixels, so the net needs ~100 Adam steps, not a handful.
 */
function makeProblem(seed: number) {
  const rng = new Rng(seed, 'prototypes');
  const protos = Float32Array.from({ length: K * D }, () => 0.2 * rng.normal());
  const sample = (n: number, r: Rng) => {
    const x = new Float32Array(n * D);
    const y = new Float32Array(n * K);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = r.int(K);
      labels[i] = c;
      y[i * K + c] = 1;
      for (let j = 0; j < D; j++) x[i * D + j] = protos[c * D + j] + r.normal();
    }
    return { x, y, labels };
  };
  return { sample };
}

function argmaxRows(logits: Float32Array, cols: number): Int32Array {
  const out = new Int32Array(logits.length / cols);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let j = 1; j < cols; j++) if (logits[i * cols + j] > logits[i * cols + best]) best = j;
    out[i] = best;
  }
  return out;
}

test('initTfjsWasm runs tfjs on the wasm backend, SIMD binary, one thread', async () => {
  const tf = await initTfjsWasm();
  const info = await tfjsWasmInfo(tf);
  assert.is(tf.getBackend(), 'wasm');
  assert.is(info.backend, 'wasm');
  // Node 20's V8 has wasm SIMD; tfjs never uses threads in Node
  assert.is(info.simd, true);
  assert.is(info.threads, false);
  assert.is(await initTfjsWasm(), tf, 'a second call returns the same namespace');
  assert.throws(() => initTfjsWasm({ simd: false }), /cannot switch/);
});

test('the tfjs LeNet-300-100 learns a synthetic 10-class problem in 200 steps', async () => {
  const tf = await initTfjsWasm();
  const batch = 32;
  const problem = makeProblem(3);
  const data = new Rng(4, 'batches');
  const model = makeTfjsLenet(tf, { batch, seed: 5 });
  const losses: number[] = [];
  for (let s = 0; s < 200; s++) {
    const { x, y } = problem.sample(batch, data);
    losses.push(model.step(x, y));
  }
  const first = losses[0];
  const last = losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
  assert.ok(first > 1, `initial loss ${first} should be near or above ln 10`);
  assert.ok(last < first / 20, `loss fell only from ${first} to ${last}`);

  const heldOut = problem.sample(500, new Rng(6, 'held-out'));
  const predicted = argmaxRows(model.predict(heldOut.x), K);
  const correct = predicted.reduce((n, p, i) => n + (p === heldOut.labels[i] ? 1 : 0), 0);
  assert.ok(correct / 500 >= 0.95, `held-out accuracy ${correct / 500}`);
  model.dispose();
});

test('training and predicting leak no tensors; dispose frees the model', async () => {
  const tf = await initTfjsWasm();
  const start = tf.memory().numTensors;
  const problem = makeProblem(7);
  const data = new Rng(8, 'batches');
  const model = makeTfjsLenet(tf, { batch: 16, seed: 9 });
  const { x, y } = problem.sample(16, data);
  model.step(x, y); // Adam makes its moment variables on the first step
  const settled = tf.memory().numTensors;
  for (let s = 0; s < 50; s++) {
    const b = problem.sample(16, data);
    model.step(b.x, b.y);
    model.predict(b.x.subarray(0, 3 * D));
  }
  assert.is(tf.memory().numTensors, settled);
  model.dispose();
  assert.is(tf.memory().numTensors, start);
  assert.throws(() => model.step(x, y), /disposed/);
});

test('step and predict reject inputs of the wrong size', async () => {
  const tf = await initTfjsWasm();
  const model = makeTfjsLenet(tf, { batch: 4, seed: 1 });
  assert.throws(() => model.step(new Float32Array(3 * D), new Float32Array(4 * K)), /expected x of 4x784/);
  assert.throws(() => model.predict(new Float32Array(D + 1)), /n x 784/);
  assert.throws(() => makeTfjsLenet(tf, { batch: 0, seed: 1 }), /positive integer/);
  model.dispose();
});

/** Direct-loop conv2d, stride 1, TensorFlow 'same' padding, and its two gradients. */
function referenceConv(
  x: Float32Array, [n, h, w, c]: number[],
  k: Float32Array, [kh, kw, , f]: number[],
  dy: Float32Array,
) {
  const y = new Float32Array(n * h * w * f);
  const dx = new Float32Array(x.length);
  const dk = new Float32Array(k.length);
  const top = Math.floor((kh - 1) / 2);
  const left = Math.floor((kw - 1) / 2);
  for (let b = 0; b < n; b++) for (let p = 0; p < h; p++) for (let q = 0; q < w; q++) {
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const r = p + i - top;
      const s = q + j - left;
      if (r < 0 || r >= h || s < 0 || s >= w) continue;
      for (let ci = 0; ci < c; ci++) for (let fo = 0; fo < f; fo++) {
        const xi = ((b * h + r) * w + s) * c + ci;
        const ki = ((i * kw + j) * c + ci) * f + fo;
        const yi = ((b * h + p) * w + q) * f + fo;
        y[yi] += x[xi] * k[ki];
        dx[xi] += dy[yi] * k[ki];
        dk[ki] += dy[yi] * x[xi];
      }
    }
  }
  return { y, dx, dk };
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.is(actual.length, expected.length, `${what} length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  }
  assert.ok(worst < 1e-4, `${what}: worst relative error ${worst}`);
}

test('tfjsConv2dFwdBwd matches direct loops (odd and even kernels, both dx methods)', async () => {
  const tf = await initTfjsWasm();
  const rng = new Rng(11, 'conv');
  for (const [kh, kw] of [[3, 3], [3, 2], [2, 5]]) {
    const xs = [2, 5, 4, 2];
    const ks = [kh, kw, 2, 3];
    const ys = [2, 5, 4, 3];
    const rand = (shape: number[]) =>
      Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.normal());
    const [x, k, dy] = [rand(xs), rand(ks), rand(ys)];
    const ref = referenceConv(x, xs, k, ks, dy);
    const before = tf.memory().numTensors;
    const tx = tf.tensor4d(x, xs as [number, number, number, number]);
    const tk = tf.tensor4d(k, ks as [number, number, number, number]);
    const tdy = tf.tensor4d(dy, ys as [number, number, number, number]);
    for (const via of ['backprop-kernel', 'flipped-conv'] as const) {
      const g = tfjsConv2dFwdBwd(tf, tx, tk, tdy, via);
      assertClose(g.y.dataSync() as Float32Array, ref.y, `y ${kh}x${kw}`);
      assertClose(g.dx.dataSync() as Float32Array, ref.dx, `dx ${kh}x${kw} via ${via}`);
      assertClose(g.dw.dataSync() as Float32Array, ref.dk, `dw ${kh}x${kw}`);
      tf.dispose([g.y, g.dx, g.dw]);
    }
    tf.dispose([tx, tk, tdy]);
    assert.is(tf.memory().numTensors, before);
  }
});

test('the bench helpers run and report the wasm backend', async () => {
  const r = await benchTfjsTrainSteps({ batch: 8, steps: 3, warmup: 1 });
  assert.is(r.backend, 'wasm');
  assert.is(r.steps, 3);
  assert.ok(r.stepsPerSecond > 0);
  assert.ok((await benchTfjsMatMul(8, 12, 16, true, false, 0.01)) > 0);
  const convMs = await benchTfjsConv2d({ batch: 2, height: 6, width: 6, outChannels: 4, seconds: 0.01, warmup: 1 });
  assert.ok(convMs > 0);
});

test.run();

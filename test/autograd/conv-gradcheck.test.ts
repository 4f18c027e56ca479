// Numeric gradient checks of the NCHW autograd ops (conv2d, pooling, batch norm, reshape) on
// both backends, at small odd shapes, chained the way the models chain them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import { add } from '../../src/autograd/ops/arith.ts';
import { batchNorm, type BatchNormState } from '../../src/autograd/ops/batchnorm.ts';
import { conv2d } from '../../src/autograd/ops/conv.ts';
import { linear } from '../../src/autograd/ops/linear.ts';
import { softmaxCrossEntropy } from '../../src/autograd/ops/loss.ts';
import { globalAvgPool, maxPool2d } from '../../src/autograd/ops/pool.ts';
import { reshape } from '../../src/autograd/ops/shape.ts';
import { evalCtx, trainCtx } from '../../src/autograd/tape.ts';
import type { Backend } from '../../src/backend/backend.ts';
import { Rng } from '../../src/util/rng.ts';
import { gradCheck, leaf } from './numeric.ts';

/** Labels for m rows of c classes. */
function labels(b: Backend, values: number[]) {
  const l = b.alloc(values.length);
  b.write(l, values);
  return l;
}

/** Fresh running statistics (mean 0, variance 1) for c channels. */
function bnState(b: Backend, c: number): BatchNormState {
  const runningMean = b.alloc(c);
  const runningVar = b.alloc(c);
  b.fill(runningVar, 1, c);
  return { runningMean, runningVar, momentum: 0.1, eps: 1e-5 };
}

for (const name of ['js', 'wasm']) {
  test(`${name}: conv2d (bias, fused relu, same padding) -> global avg pool -> linear -> xent`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(11);
    const x = leaf(b, [2, 3, 5, 4], rng);
    const w = leaf(b, [4, 3, 3, 3], rng);
    const bias = leaf(b, [4], rng);
    const fc = leaf(b, [3, 4], rng);
    const y = labels(b, [2, 0]);
    gradCheck(b, [x, w, bias, fc], (ctx) => {
      const h = conv2d(ctx, reshape(ctx, x, [3, 5, 4]), w, bias, { relu: true });
      return softmaxCrossEntropy(ctx, linear(ctx, globalAvgPool(ctx, h), fc, null, false), y);
    });
  });

  test(`${name}: strided valid conv, non-square kernel, no bias -> max pool -> flatten -> linear`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(12);
    const x = leaf(b, [2, 2, 9, 7], rng);
    const w = leaf(b, [3, 2, 3, 2], rng);
    const fc = leaf(b, [4, 3 * 2 * 1], rng);
    const y = labels(b, [1, 3]);
    gradCheck(b, [x, w, fc], (ctx) => {
      const h = conv2d(ctx, x, w, null, { stride: 2, padding: 'valid' }); // [2, 3, 4, 3]
      const p = maxPool2d(ctx, h, 2); // [2, 3, 2, 1]
      return softmaxCrossEntropy(ctx, linear(ctx, reshape(ctx, p, [6]), fc, null, false), y);
    });
  });

  test(`${name}: overlapping padded max pool (3x3, stride 2, pad 1) and a tensor used twice`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(13);
    // Values 0.1 apart in random order: no two within the numeric step of each other.
    const vals = rng.shuffle(Float32Array.from({ length: 2 * 2 * 5 * 5 }, (_, i) => (i - 25) * 0.1));
    const x = leaf(b, [2, 2, 5, 5], rng, true, vals);
    const fc = leaf(b, [3, 2 * 9], rng);
    const y = labels(b, [0, 2]);
    gradCheck(b, [x, fc], (ctx) => {
      const p = maxPool2d(ctx, x, 3, 2, 1); // [2, 2, 3, 3]
      const q = add(ctx, p, maxPool2d(ctx, x, 3, 2, 1));
      return softmaxCrossEntropy(ctx, linear(ctx, reshape(ctx, q, [18]), fc, null, false), y);
    }, { h: 1e-3 });
  });

  test(`${name}: batch norm in training (batch statistics) inside a residual block`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(14);
    const x = leaf(b, [3, 2, 3, 3], rng);
    const w = leaf(b, [2, 2, 3, 3], rng);
    const gamma = leaf(b, [2], rng);
    const beta = leaf(b, [2], rng);
    const fc = leaf(b, [3, 2], rng);
    const y = labels(b, [0, 1, 2]);
    const state = bnState(b, 2);
    gradCheck(b, [x, w, gamma, beta, fc], (ctx) => {
      const h = batchNorm(ctx, conv2d(ctx, x, w, null), gamma, beta, state);
      const r = add(ctx, h, x);
      return softmaxCrossEntropy(ctx, linear(ctx, globalAvgPool(ctx, r), fc, null, false), y);
    }, { tol: 3e-2 });
  });

  test(`${name}: batch norm with fixed (running) statistics when not training`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(15);
    const x = leaf(b, [2, 3, 2, 2], rng);
    const gamma = leaf(b, [3], rng);
    const beta = leaf(b, [3], rng);
    const fc = leaf(b, [2, 3], rng);
    const state = bnState(b, 3);
    b.write(state.runningMean, [0.5, -0.2, 0.1]);
    b.write(state.runningVar, [2, 0.5, 1.5]);
    const y = labels(b, [1, 0]);
    gradCheck(b, [x, gamma, beta, fc], (ctx) => {
      const h = batchNorm(ctx, x, gamma, beta, state);
      return softmaxCrossEntropy(ctx, linear(ctx, globalAvgPool(ctx, h), fc, null, false), y);
    }, { training: false });
  });

  test(`${name}: batch norm updates running statistics in training only; evaluation uses them`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(16);
    const data = Float32Array.from({ length: 4 * 2 * 3 }, () => rng.normal() * 2 + 3);
    const x = leaf(b, [4, 2, 3, 1], rng, false, data);
    const gamma = leaf(b, [2], rng, true, [1, 1]);
    const beta = leaf(b, [2], rng, true, [0, 0]);
    const state = bnState(b, 2);
    batchNorm(trainCtx(b, rng), x, gamma, beta, state);
    for (let ch = 0; ch < 2; ch++) {
      const v = [0, 1, 2, 3].flatMap((i) => Array.from(data.subarray((i * 2 + ch) * 3, (i * 2 + ch) * 3 + 3)));
      const m = v.reduce((s, a) => s + a, 0) / v.length;
      const unbiased = v.reduce((s, a) => s + (a - m) ** 2, 0) / (v.length - 1);
      assert.ok(Math.abs(b.read(state.runningMean)[ch] - 0.1 * m) < 1e-5, 'running mean');
      assert.ok(Math.abs(b.read(state.runningVar)[ch] - (0.9 + 0.1 * unbiased)) < 1e-4, 'running variance (unbiased)');
    }
    const before = b.read(state.runningMean);
    const out = b.read(batchNorm(evalCtx(b, rng), x, gamma, beta, state).buf);
    assert.equal(b.read(state.runningMean), before, 'evaluation leaves the running statistics alone');
    const rm = b.read(state.runningMean), rv = b.read(state.runningVar);
    assert.ok(Math.abs(out[0] - (data[0] - rm[0]) / Math.sqrt(rv[0] + 1e-5)) < 1e-5, 'evaluation normalises with running stats');
  });
}

test.run();

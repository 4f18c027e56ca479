// Training on sparse kernels: the same numbers as dense training with masks (to 1e-5), on both
// backends; kernel plans recorded and undone; snapshots, restores, masks and optimizer state
// keep working across the switch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { add } from '../../src/autograd/ops/arith.ts';
import { linear } from '../../src/autograd/ops/linear.ts';
import { sparseLinear } from '../../src/autograd/ops/sparse-linear.ts';
import { trainCtx } from '../../src/autograd/tape.ts';
import { Tensor } from '../../src/autograd/tensor.ts';
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/index.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { makeSparseWeight } from '../../src/nn/sparse-linear.ts';
import { type OptimizerConfig, makeOptimizer } from '../../src/optim/optimizer.ts';
import { applyMasks, prunableParams } from '../../src/prune/apply.ts';
import { csrFromMask } from '../../src/prune/csr.ts';
import { fullMasks } from '../../src/prune/masks.ts';
import { randomMasksLike } from '../../src/prune/random.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { MAX_AUTO_DENSITY } from '../../src/train/sparse-plan.ts';
import { type Weights, restoreWeights, snapshotWeights } from '../../src/train/state.ts';
import { type TrainOptions, type TrainResult, evaluate, train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

const data = await loadDataset('synthetic');
const ADAM: OptimizerConfig = { kind: 'adam', lr: 2e-3, weightDecay: 1e-4 };
const SGD: OptimizerConfig = { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true };

function run<T, R>(gen: Generator<T, R>): R {
  let r = gen.next();
  while (!r.done) r = gen.next();
  return r.value;
}

/** A LeNet (width 0.2: 784-60-20-10) with the same seeded ~20%-density masks every time. */
async function setup(backend: string, opt: OptimizerConfig = ADAM, keep = 0.2) {
  const b = await createBackend(backend);
  const rng = new Rng(11);
  const net = buildNetwork(b, 'lenet300', data, rng.split('init'), { widthMultiplier: 0.2 });
  const sizes = Object.fromEntries(prunableParams(net.params).map((p) => [p.name, p.size]));
  const masks = randomMasksLike(thin(fullMasks(sizes), keep), new Rng(5));
  applyMasks(b, net.params, masks);
  const o = makeOptimizer(b, net.params, opt);
  const go = (opts: Partial<TrainOptions>, seed = 1): TrainResult =>
    run(train(b, net.model, net.params, o, data, { iterations: 12, batchSize: 60, evalEvery: 12, lr: () => (opt.kind === 'adam' ? 2e-3 : 0.05), ...opts }, { data: new Rng(seed).split('data'), dropout: new Rng(seed).split('dropout') }));
  return { b, net, masks, opt: o, go };
}

/** Keeps the first `keep` fraction of each mask's ones (randomMasksLike then scatters them). */
function thin(masks: Record<string, Uint8Array>, keep: number): Record<string, Uint8Array> {
  for (const m of Object.values(masks)) m.fill(0, Math.round(m.length * keep));
  return masks;
}

/**
 * Relative error ||a - b|| / ||b|| <= tol for every tensor. (Elementwise, Adam divides each
 * near-zero gradient by its own magnitude, so f32 summation order shows there as it does
 * between the wasm and js backends on the dense path.)
 */
function sameWeights(a: Weights, b: Weights, tol: number, what: string): void {
  for (const k of Object.keys(b)) {
    let diff = 0;
    let norm = 0;
    b[k].forEach((v, i) => {
      diff += (v - a[k][i]) ** 2;
      norm += v * v;
    });
    assert.ok(Math.sqrt(diff) <= tol * Math.sqrt(norm), `${what} ${k}: relative error ${Math.sqrt(diff / norm)}`);
  }
}

for (const backend of ['wasm', 'js']) {
  for (const [name, opt] of [['adam', ADAM], ['sgd', SGD]] as const) {
    test(`${backend} ${name}: forced sparse training gives the dense path's weights to 1e-5`, async () => {
      const d = await setup(backend, opt);
      const s = await setup(backend, opt);
      const rd = d.go({ sparse: 'dense', snapshotAt: [5] });
      const rs = s.go({ sparse: 'sparse', snapshotAt: [5] });
      assert.equal(Object.values(rd.kernels).map((k) => k.path), ['dense', 'dense', 'dense']);
      assert.equal(Object.values(rs.kernels).map((k) => k.path), ['sparse', 'sparse', 'sparse']);
      sameWeights(snapshotWeights(s.b, s.net.params), snapshotWeights(d.b, d.net.params), 1e-5, 'final');
      sameWeights(rs.snapshots.get(5)!, rd.snapshots.get(5)!, 1e-5, 'snapshot at 5');
      assert.ok(Math.abs(rs.final.valLoss - rd.final.valLoss) <= 1e-5 * rd.final.valLoss, 'evaluation runs on the sparse forward too');
      // A second run continues from the optimizer state of the first, relaid out both ways.
      d.go({ sparse: 'dense' }, 2);
      s.go({ sparse: 'sparse' }, 2);
      sameWeights(snapshotWeights(s.b, s.net.params), snapshotWeights(d.b, d.net.params), 1e-5, 'second run');
    });
  }
}

test('after a sparse run: weights are dense again, pruned ones exactly 0; masks, restore and dense training work', async () => {
  const s = await setup('wasm');
  const init = snapshotWeights(s.b, s.net.params);
  s.go({ sparse: 'sparse' });
  for (const p of s.net.params) assert.is(p.sparse, null, `${p.name} detached`);
  const w = snapshotWeights(s.b, s.net.params);
  for (const [name, m] of Object.entries(s.masks)) m.forEach((keep, i) => keep || assert.ok(Object.is(w[name][i], 0), `${name}[${i}] = ${w[name][i]}`));
  assert.ok(Object.entries(s.masks).every(([name, m]) => m.some((keep, i) => keep && w[name][i] !== init[name][i])), 'kept weights trained');
  restoreWeights(s.b, s.net.params, init);
  applyMasks(s.b, s.net.params, s.masks);
  const r = s.go({ sparse: 'dense' });
  assert.ok(Number.isFinite(r.final.valLoss));
});

test('an abandoned training generator still returns the weights to dense form', async () => {
  const s = await setup('wasm');
  const gen = train(s.b, s.net.model, s.net.params, s.opt, data, { iterations: 50, batchSize: 60, evalEvery: 50, lr: () => 1e-3, sparse: 'sparse' }, { data: new Rng(1), dropout: new Rng(2) });
  gen.next();
  gen.next();
  const fc1 = s.net.params[0];
  assert.ok(fc1.sparse !== null, 'sparse while running');
  assert.throws(() => applyMasks(s.b, s.net.params, s.masks), /CSR form/);
  const mid = snapshotWeights(s.b, s.net.params); // reads the live values
  gen.return(undefined as never);
  assert.is(fc1.sparse, null);
  assert.equal(Array.from(snapshotWeights(s.b, s.net.params)['fc1.weight']), Array.from(mid['fc1.weight']));
});

test("'auto' measures each big enough masked layer once per shape and density bucket and records the choice", async () => {
  const s = await setup('wasm', ADAM, 0.05);
  const r = s.go({});
  const fc1 = r.kernels.fc1; // 60 x 784 at batch 60: measured
  assert.ok(fc1.denseMs! > 0 && fc1.sparseMs! > 0, 'fc1 measured');
  assert.is(fc1.path, fc1.sparseMs! < fc1.denseMs! ? 'sparse' : 'dense', 'fc1 picks the faster');
  assert.ok(fc1.density > 0.03 && fc1.density < 0.07, `fc1 density ${fc1.density}`);
  for (const name of ['fc2', 'fc3']) {
    assert.equal({ ...r.kernels[name], density: 0 }, { path: 'dense', density: 0, denseMs: null, sparseMs: null }, `${name} below MIN_AUTO_WORK`);
  }
  assert.equal(s.go({}).kernels, r.kernels, 'cached: the same measurement');
  const replay = s.go({ sparse: { fc1: 'dense', fc2: 'sparse' } }).kernels;
  assert.equal([replay.fc1.path, replay.fc2.path, replay.fc3.path], ['dense', 'sparse', 'dense'], 'a record forces the layers it names');
  const unmasked = buildNetwork(s.b, 'lenet300', data, new Rng(1), { widthMultiplier: 0.2 });
  const o = makeOptimizer(s.b, unmasked.params, ADAM);
  const ru = run(train(s.b, unmasked.model, unmasked.params, o, data, { iterations: 2, batchSize: 60, evalEvery: 2, lr: () => 1e-3 }, { data: new Rng(1), dropout: new Rng(2) }));
  assert.equal(ru.kernels.fc1, { path: 'dense', density: 1, denseMs: null, sparseMs: null });
  // all-ones masks (round 0 of IMP) and masks above MAX_AUTO_DENSITY: dense, not measured
  for (const keep of [1, MAX_AUTO_DENSITY + 0.05]) {
    const t = await setup('wasm', ADAM, keep);
    const k = t.go({ iterations: 2 }).kernels.fc1;
    assert.equal({ ...k, density: 0 }, { path: 'dense', density: 0, denseMs: null, sparseMs: null }, `keep ${keep}`);
    assert.ok(k.density > MAX_AUTO_DENSITY - 0.01, `density ${k.density}`);
  }
  const below = (await setup('wasm', ADAM, MAX_AUTO_DENSITY - 0.1)).go({ iterations: 2 }).kernels.fc1;
  assert.ok(below.denseMs! > 0, 'just below it: measured');
});

/**
 * The sparse op against the dense op on one layer: outputs, and gradients of x, W (at the mask),
 * b. With `twice`, x feeds the layer twice (y = f(x) + f(x)), so x's gradient accumulates.
 */
function compareOps(b: Backend, m: number, n: number, k: number, density: number, relu: boolean, twice = false): void {
  const rng = new Rng(m * 1000 + n, 'ops');
  const mask = Uint8Array.from({ length: n * k }, () => (rng.next() < density ? 1 : 0));
  const rand = (len: number) => Float32Array.from({ length: len }, () => rng.next() * 2 - 1);
  const tensor = (data: Float32Array, shape: number[], grad: boolean) => {
    const t = new Tensor(shape, b.alloc(data.length), grad);
    b.write(t.buf, data);
    return t;
  };
  const w = rand(n * k).map((v, i) => v * mask[i]);
  const [x, bias, dy] = [rand(m * k), rand(n), rand(m * n)];
  const results = [false, true].map((sparse) => {
    b.resetScratch();
    const ctx = trainCtx(b, rng);
    const xt = tensor(x, [m, k], true), wt = tensor(w, [n, k], true), bt = tensor(bias, [n], true);
    const sw = makeSparseWeight(b, wt.buf, csrFromMask(mask, n, k));
    const f = () => (sparse ? sparseLinear(ctx, xt, sw, bt, relu) : linear(ctx, xt, wt, bt, relu));
    const y = twice ? add(ctx, f(), f()) : f();
    y.grad = tensor(dy, [m, n], false).buf;
    y.gradWritten = true;
    ctx.tape!.backward();
    const dw = new Float32Array(n * k);
    const index = b.readInt(sw.index);
    if (sparse) b.read(sw.values.grad!).forEach((g, j) => (dw[index[j]] = g));
    else b.read(wt.grad!).forEach((g, i) => (dw[i] = g * mask[i]));
    return { y: b.read(y.buf), dx: b.read(xt.grad!), db: b.read(bt.grad!), dw };
  });
  for (const key of ['y', 'dx', 'db', 'dw'] as const) {
    const [d, s] = [results[0][key], results[1][key]];
    d.forEach((v, i) => assert.ok(Math.abs(v - s[i]) <= 1e-5 * (1 + Math.abs(v)), `${key}[${i}] m=${m} ${n}x${k}: dense ${v}, sparse ${s[i]}`));
  }
}

test('the sparse Linear op matches the dense one: outputs and all gradients, batch 1 and odd batches', async () => {
  const b = await createBackend('wasm');
  for (const m of [1, 3, 17, 60]) for (const relu of [false, true]) compareOps(b, m, 13, 29, 0.3, relu);
  compareOps(b, 5, 7, 11, 0, true);
  compareOps(b, 5, 7, 11, 1, false);
  for (const m of [1, 6]) compareOps(b, m, 13, 29, 0.3, true, true);
});

test('evaluation on the sparse forward equals the dense forward', async () => {
  const d = await setup('wasm');
  const s = await setup('wasm');
  const rng = new Rng(3);
  const dense = evaluate(d.b, d.net.model, data.test, 784, 10, rng);
  const gen = train(s.b, s.net.model, s.net.params, s.opt, data, { iterations: 5, batchSize: 60, evalEvery: 5, lr: () => 0, sparse: 'sparse' }, { data: new Rng(1), dropout: new Rng(2) });
  gen.next(); // activates the sparse plan; lr 0 leaves the weights as they were
  const sparse = evaluate(s.b, s.net.model, data.test, 784, 10, rng);
  gen.return(undefined as never);
  assert.ok(Math.abs(sparse.loss - dense.loss) <= 1e-5 * dense.loss, `${sparse.loss} vs ${dense.loss}`);
  assert.is(sparse.accuracy, dense.accuracy);
});

test.run();

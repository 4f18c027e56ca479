// Training conv nets on sparse convolution kernels: the same numbers as dense training with
// masks (to 1e-5 relative) for a small Conv-2 (and a ResNet-20 with stride-2 and bias-free
// convs), conv layers found, measured and recorded by the kernel plan, forced modes honoured,
// and the weights dense again (pruned ones exactly 0) after a run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { Conv2d } from '../../src/nn/conv-layers.ts';
import { type OptimizerConfig, makeOptimizer } from '../../src/optim/optimizer.ts';
import { applyMasks, prunableParams } from '../../src/prune/apply.ts';
import { fullMasks } from '../../src/prune/masks.ts';
import { randomMasksLike } from '../../src/prune/random.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { sparseSites } from '../../src/train/sparse-plan.ts';
import { type Weights, restoreWeights, snapshotWeights } from '../../src/train/state.ts';
import { type TrainOptions, type TrainResult, train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

const data = await loadDataset('synthetic', { synthetic: { train: 400, val: 60, test: 60 } });
const ADAM: OptimizerConfig = { kind: 'adam', lr: 2e-3 };
const SGD: OptimizerConfig = { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: true };

function run<T, R>(gen: Generator<T, R>): R {
  let r = gen.next();
  while (!r.done) r = gen.next();
  return r.value;
}

/** A model on the synthetic [1, 28, 28] data with seeded random masks keeping `keep` of every prunable weight. */
async function setup(model: string, backend: string, opt: OptimizerConfig, keep: number, width: number, batchSize = 20) {
  const b = await createBackend(backend);
  const net = buildNetwork(b, model, data, new Rng(11).split('init'), { widthMultiplier: width });
  const sizes = Object.fromEntries(prunableParams(net.params).map((p) => [p.name, p.size]));
  const masks = fullMasks(sizes);
  for (const m of Object.values(masks)) m.fill(0, Math.round(m.length * keep));
  const shuffled = randomMasksLike(masks, new Rng(5));
  applyMasks(b, net.params, shuffled);
  const o = makeOptimizer(b, net.params, opt);
  const go = (opts: Partial<TrainOptions>, seed = 1): TrainResult =>
    run(train(b, net.model, net.params, o, data, { iterations: 6, batchSize, evalEvery: 6, evalBatchSize: 30, lr: () => opt.lr, ...opts },
      { data: new Rng(seed).split('data'), dropout: new Rng(seed).split('dropout') }));
  return { b, net, masks: shuffled, go };
}

/** Relative error ||a - b|| / ||b|| <= tol for every tensor. */
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

for (const [backend, opt] of [['wasm', ADAM], ['wasm', SGD], ['js', ADAM]] as const) {
  test(`${backend} ${opt.kind}: Conv-2 (width 0.125) trained on forced sparse kernels gives the dense path's weights to 1e-5`, async () => {
    const iterations = backend === 'js' ? 3 : 6;
    const d = await setup('conv2', backend, opt, 0.3, 0.125);
    const s = await setup('conv2', backend, opt, 0.3, 0.125);
    const rd = d.go({ sparse: 'dense', snapshotAt: [2], iterations, evalEvery: iterations });
    const rs = s.go({ sparse: 'sparse', snapshotAt: [2], iterations, evalEvery: iterations });
    assert.equal(Object.keys(rs.kernels), ['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    assert.ok(Object.values(rd.kernels).every((k) => k.path === 'dense'));
    assert.ok(Object.values(rs.kernels).every((k) => k.path === 'sparse'));
    sameWeights(snapshotWeights(s.b, s.net.params), snapshotWeights(d.b, d.net.params), 1e-5, 'final');
    sameWeights(rs.snapshots.get(2)!, rd.snapshots.get(2)!, 1e-5, 'snapshot at 2');
    assert.ok(Math.abs(rs.final.valLoss - rd.final.valLoss) <= 1e-5 * rd.final.valLoss, `val loss ${rs.final.valLoss} vs ${rd.final.valLoss}`);
    assert.ok(Math.abs(rs.final.trainLoss - rd.final.trainLoss) <= 1e-5 * rd.final.trainLoss, `train loss ${rs.final.trainLoss} vs ${rd.final.trainLoss}`);
    // A second run continues from the first's optimizer state, relaid out both ways.
    d.go({ sparse: 'dense', iterations: 2, evalEvery: 2 }, 2);
    s.go({ sparse: 'sparse', iterations: 2, evalEvery: 2 }, 2);
    sameWeights(snapshotWeights(s.b, s.net.params), snapshotWeights(d.b, d.net.params), 1e-5, 'second run');
  });
}

test('wasm: ResNet-20 (stride-2 and 1x1 shortcut convs, no conv bias, BatchNorm) sparse equals dense to 1e-5', async () => {
  const d = await setup('resnet20', 'wasm', SGD, 0.4, 0.25, 8);
  const s = await setup('resnet20', 'wasm', SGD, 0.4, 0.25, 8);
  const rd = d.go({ sparse: 'dense', iterations: 3, evalEvery: 3 });
  const rs = s.go({ sparse: 'sparse', iterations: 3, evalEvery: 3 });
  const convs = Object.keys(rs.kernels).filter((k) => k !== 'fc');
  assert.is(convs.length, 21, `conv layers ${convs.join(' ')}`);
  assert.ok(convs.includes('stage2.block0.shortcut') && convs.includes('stage3.block0.conv1'));
  assert.ok(Object.values(rs.kernels).every((k) => k.path === 'sparse'));
  sameWeights(snapshotWeights(s.b, s.net.params), snapshotWeights(d.b, d.net.params), 1e-5, 'final');
  assert.ok(Math.abs(rs.final.valLoss - rd.final.valLoss) <= 1e-5 * rd.final.valLoss, `val loss ${rs.final.valLoss} vs ${rd.final.valLoss}`);
});

test('sparseSites: conv and Linear layers in forward order; only the first conv reads the data', async () => {
  const b = await createBackend('wasm');
  const conv = buildNetwork(b, 'conv2', data, new Rng(1), { widthMultiplier: 0.125 });
  const sites = sparseSites(conv.model);
  assert.equal(sites.map((s) => [s.layer.name, s.needsInputGrad]), [['conv1', false], ['conv2', true], ['fc1', true], ['fc2', true], ['fc3', true]]);
  const res = buildNetwork(b, 'resnet20', data, new Rng(1), { widthMultiplier: 0.25 });
  const rs = sparseSites(res.model);
  assert.is(rs.length, 22);
  assert.equal(rs.slice(0, 3).map((s) => [s.layer.name, s.needsInputGrad]), [['conv', false], ['stage1.block0.conv1', true], ['stage1.block0.conv2', true]]);
  assert.ok(rs.slice(0, 21).every((s) => s.layer instanceof Conv2d));
});

test("'auto' measures the conv layers once per geometry and density bucket, records them, and forced records win", async () => {
  const s = await setup('conv2', 'wasm', ADAM, 0.05, 0.25);
  const r = s.go({ iterations: 2, evalEvery: 2 });
  for (const name of ['conv1', 'conv2']) {
    const k = r.kernels[name]; // 1 -> 16 and 16 -> 16 at 28x28, batch 20: above MIN_AUTO_WORK
    assert.ok(k.denseMs! > 0 && k.sparseMs! > 0, `${name} measured`);
    assert.is(k.path, k.sparseMs! < k.denseMs! ? 'sparse' : 'dense', `${name} picks the faster`);
    assert.ok(k.density > 0.03 && k.density < 0.07, `${name} density ${k.density}`);
  }
  assert.equal(s.go({ iterations: 2, evalEvery: 2 }).kernels, r.kernels, 'cached: the same measurement');
  const replay = s.go({ iterations: 2, evalEvery: 2, sparse: { conv1: 'dense', conv2: 'sparse' } }).kernels;
  assert.equal([replay.conv1.path, replay.conv2.path], ['dense', 'sparse'], 'a record forces the layers it names');
  assert.equal([replay.conv1.denseMs, replay.conv2.sparseMs], [null, null], 'forced layers are not measured');
  // At batch 2 both convs (8 channels, 28x28) are below MIN_AUTO_WORK: dense, not measured.
  const tiny = await setup('conv2', 'wasm', ADAM, 0.05, 0.125, 2);
  const rt = tiny.go({ iterations: 1, evalEvery: 1 });
  for (const name of ['conv1', 'conv2']) assert.equal({ ...rt.kernels[name], density: 0 }, { path: 'dense', density: 0, denseMs: null, sparseMs: null }, name);
});

test('after a sparse conv run: weights dense again, pruned ones exactly 0; restore and dense training work', async () => {
  const s = await setup('conv2', 'wasm', ADAM, 0.2, 0.125);
  const init = snapshotWeights(s.b, s.net.params);
  s.go({ sparse: 'sparse' });
  for (const p of s.net.params) assert.is(p.sparse, null, `${p.name} detached`);
  const w = snapshotWeights(s.b, s.net.params);
  for (const name of ['conv1.weight', 'conv2.weight']) {
    const m = s.masks[name];
    m.forEach((keep, i) => keep || assert.ok(Object.is(w[name][i], 0), `${name}[${i}] = ${w[name][i]}`));
    assert.ok(m.some((keep, i) => keep && w[name][i] !== init[name][i]), `${name}: kept weights trained`);
  }
  restoreWeights(s.b, s.net.params, init);
  applyMasks(s.b, s.net.params, s.masks);
  assert.ok(Number.isFinite(s.go({ sparse: 'dense' }).final.valLoss));
});

test.run();

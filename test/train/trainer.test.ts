import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createBackend } from '../../src/backend/index.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { applyMasks, prunableParams } from '../../src/prune/apply.ts';
import { magnitudeScores, pruneLayerwise } from '../../src/prune/magnitude.ts';
import { fullMasks } from '../../src/prune/masks.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { restoreWeights, snapshotWeights } from '../../src/train/state.ts';
import { type TrainOptions, train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

function run<T, R>(gen: Generator<T, R>): R {
  let r = gen.next();
  while (!r.done) r = gen.next();
  return r.value;
}

async function setup(backend: string, seed: number, width = 0.1) {
  const b = await createBackend(backend);
  const data = await loadDataset('synthetic');
  const rng = new Rng(seed);
  const net = buildNetwork(b, 'lenet300', data, rng.split('init'), { widthMultiplier: width });
  const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: 2e-3 });
  const rngs = () => ({ data: rng.split('data'), dropout: rng.split('dropout') });
  return { b, data, net, opt, rngs };
}

const opts = (iterations: number, extra: Partial<TrainOptions> = {}): TrainOptions => ({ iterations, batchSize: 60, evalEvery: 100, lr: () => 2e-3, ...extra });

test('training learns the synthetic task; early stop is the minimum validation loss', async () => {
  const s = await setup('wasm', 1);
  const res = run(train(s.b, s.net.model, s.net.params, s.opt, s.data, opts(400), s.rngs()));
  assert.ok(res.final.testAccuracy > 0.9, `accuracy ${res.final.testAccuracy}`);
  assert.is(res.evals.length, 4);
  assert.is(res.earlyStop.valLoss, Math.min(...res.evals.map((e) => e.valLoss)));
});

test('same seed, same backend: the same numbers, bit for bit', async () => {
  const a = await setup('wasm', 3);
  const b = await setup('wasm', 3);
  const ra = run(train(a.b, a.net.model, a.net.params, a.opt, a.data, opts(150), a.rngs()));
  const rb = run(train(b.b, b.net.model, b.net.params, b.opt, b.data, opts(150), b.rngs()));
  assert.equal(ra.evals, rb.evals);
  const wa = snapshotWeights(a.b, a.net.params);
  const wb = snapshotWeights(b.b, b.net.params);
  for (const k of Object.keys(wa)) assert.equal(Array.from(wa[k]), Array.from(wb[k]));
});

test('wasm and js backends train to the same weights (within float tolerance)', async () => {
  const a = await setup('wasm', 4, 0.05);
  const b = await setup('js', 4, 0.05);
  run(train(a.b, a.net.model, a.net.params, a.opt, a.data, opts(20, { evalEvery: 20 }), a.rngs()));
  run(train(b.b, b.net.model, b.net.params, b.opt, b.data, opts(20, { evalEvery: 20 }), b.rngs()));
  const wa = snapshotWeights(a.b, a.net.params);
  const wb = snapshotWeights(b.b, b.net.params);
  for (const k of Object.keys(wa)) {
    let maxDiff = 0;
    wa[k].forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - wb[k][i]))));
    assert.ok(maxDiff < 1e-4, `${k}: max diff ${maxDiff}`);
  }
});

test('masks stay applied after optimizer steps (Adam and SGD), and rewinding restores exactly', async () => {
  for (const kind of ['adam', 'sgd'] as const) {
    const s = await setup('wasm', 5);
    const opt = makeOptimizer(s.b, s.net.params, kind === 'adam' ? { kind, lr: 2e-3 } : { kind, lr: 0.05, momentum: 0.9, weightDecay: 1e-3 });
    const init = snapshotWeights(s.b, s.net.params);
    const prunable = prunableParams(s.net.params);
    let masks = fullMasks(Object.fromEntries(prunable.map((p) => [p.name, p.size])));
    masks = pruneLayerwise(magnitudeScores(init, masks), masks, { 'fc1.weight': 0.7, 'fc2.weight': 0.5, 'fc3.weight': 0.3 });
    applyMasks(s.b, s.net.params, masks);
    const res = run(train(s.b, s.net.model, s.net.params, opt, s.data, opts(200, { snapshotAt: [0, 50] }), s.rngs()));
    const after = snapshotWeights(s.b, s.net.params);
    for (const p of prunable) {
      masks[p.name].forEach((keep, i) => {
        if (!keep) assert.is(after[p.name][i], 0, `${kind} ${p.name}[${i}]`);
      });
    }
    // the iteration-0 snapshot is the masked init; restoring it gives exactly those values
    const k0 = res.snapshots.get(0)!;
    restoreWeights(s.b, s.net.params, k0);
    const back = snapshotWeights(s.b, s.net.params);
    for (const name of Object.keys(k0)) assert.equal(Array.from(back[name]), Array.from(k0[name]));
    assert.ok(res.snapshots.has(50));
  }
});

test('wasm memory stays flat over 10,000 training steps', async () => {
  const s = await setup('wasm', 6, 0.05);
  run(train(s.b, s.net.model, s.net.params, s.opt, s.data, opts(10, { evalEvery: 10 }), s.rngs()));
  const before = s.b.memoryBytes();
  const heapBefore = process.memoryUsage().heapUsed;
  run(train(s.b, s.net.model, s.net.params, s.opt, s.data, opts(10000, { evalEvery: 5000 }), s.rngs()));
  assert.is(s.b.memoryBytes(), before);
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 64 * 1024 * 1024, 'JS heap growth under 64 MiB');
});

test('lth train: LeNet-300-100, 3000 iterations on the embedded MNIST, test accuracy >= 0.95', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main-node.ts', 'train', '--model', 'lenet300', '--dataset', 'mnist', '--iterations', '3000', '--seed', '1', '--json'], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(out.testAccuracy >= 0.95, `testAccuracy ${out.testAccuracy}`);
  for (const k of ['testAccuracy', 'valLoss', 'iterations', 'stepsPerSecond']) assert.type(out[k], 'number');
  assert.is(out.iterations, 3000);
});

test.run();

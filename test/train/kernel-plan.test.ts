// Kernel plans: an 'auto' choice is measured once, recorded, and replayed by later runs at the
// same layer and mask size even when a new measurement would choose the other path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { applyMasks, prunableParams } from '../../src/prune/apply.ts';
import { fullMasks } from '../../src/prune/masks.ts';
import { randomMasksLike } from '../../src/prune/random.ts';
import { type Crossover, clearCrossoverCache, setCrossoverHook } from '../../src/train/crossover.ts';
import { memoryKernelPlan } from '../../src/train/kernel-plan.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { type TrainOptions, type TrainResult, train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

const data = await loadDataset('synthetic');
const SPARSE_WINS: Crossover = { denseMs: 2, sparseMs: 1 };
const DENSE_WINS: Crossover = { denseMs: 1, sparseMs: 2 };

function run<T, R>(gen: Generator<T, R>): R {
  let r = gen.next();
  while (!r.done) r = gen.next();
  return r.value;
}

/** LeNet at width 0.2 (fc1 60x784: measured at batch 60) with a mask keeping `keep` of each layer. */
async function setup(keep: number) {
  const b = await createBackend('wasm');
  const net = buildNetwork(b, 'lenet300', data, new Rng(3).split('init'), { widthMultiplier: 0.2 });
  const sizes = Object.fromEntries(prunableParams(net.params).map((p) => [p.name, p.size]));
  const masks = fullMasks(sizes);
  for (const m of Object.values(masks)) m.fill(0, Math.round(m.length * keep));
  applyMasks(b, net.params, randomMasksLike(masks, new Rng(4)));
  const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: 1e-3, weightDecay: 0 });
  return (o: Partial<TrainOptions> = {}): TrainResult =>
    run(train(b, net.model, net.params, opt, data, { iterations: 2, batchSize: 60, evalEvery: 2, lr: () => 1e-3, ...o }, { data: new Rng(1), dropout: new Rng(2) }));
}

/** Measurements are counted, and return `timing()` (a fresh process re-measures: the cache is cleared). */
function hook(timing: () => Crossover): { calls: number } {
  const state = { calls: 0 };
  clearCrossoverCache();
  setCrossoverHook(() => {
    state.calls++;
    return timing();
  });
  return state;
}

test.after.each(() => setCrossoverHook(null));

test('a recorded choice is replayed without measuring, even where a new measurement would flip it', async () => {
  const go = await setup(0.3);
  const plan = memoryKernelPlan();
  const first = hook(() => SPARSE_WINS);
  const a = go({ kernelPlan: plan });
  assert.is(first.calls, 1, 'fc1 measured once (fc2, fc3 are below MIN_AUTO_WORK)');
  assert.equal(a.kernels.fc1, { path: 'sparse', density: a.kernels.fc1.density, denseMs: 2, sparseMs: 1 });
  const keys = Object.keys(plan.entries);
  assert.is(keys.length, 1);
  assert.match(keys[0], /^fc1\|linear 60x784 relu true\|dx false\|batch 60\|nnz 14112\|wasm$/);

  const second = hook(() => DENSE_WINS);
  const b = go({ kernelPlan: plan });
  assert.is(second.calls, 0, 'not measured again');
  assert.equal(b.kernels, a.kernels, 'the same kernels and timings as the run that decided');

  // Without the plan the same layer, measured again, goes the other way.
  hook(() => DENSE_WINS);
  assert.is(go().kernels.fc1.path, 'dense');
});

test('another mask size or batch is a new key: measured and recorded beside the first', async () => {
  const plan = memoryKernelPlan();
  const counter = hook(() => SPARSE_WINS);
  (await setup(0.3))({ kernelPlan: plan });
  (await setup(0.2))({ kernelPlan: plan });
  (await setup(0.2))({ kernelPlan: plan, batchSize: 30 });
  assert.is(counter.calls, 3);
  assert.equal(Object.keys(plan.entries).map((k) => k.split('|').slice(3, 5).join(' ')), ['batch 60 nnz 14112', 'batch 60 nnz 9408', 'batch 30 nnz 9408']);
});

test("forced kernels ignore the plan; 'auto' below the measuring thresholds records nothing", async () => {
  const plan = memoryKernelPlan({});
  const counter = hook(() => SPARSE_WINS);
  const go = await setup(0.3);
  assert.is(go({ kernelPlan: plan, sparse: 'dense' }).kernels.fc1.path, 'dense');
  assert.is(go({ kernelPlan: plan, sparse: 'sparse' }).kernels.fc1.path, 'sparse');
  (await setup(1))({ kernelPlan: plan }); // all-ones masks: dense without measuring
  assert.is(counter.calls, 0);
  assert.equal(plan.entries, {});
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { type TrainOptions, type TrainResult, train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

/**
 * Trains LeNet (width 0.1) on synthetic data with SGD from seed 1. Weight decay `wd` with
 * lr * wd > 2 multiplies every weight by |1 - lr * wd| > 1 per step: a sure divergence.
 */
async function sgdRun(lr: number, wd: number, iterations: number, evalEvery: number): Promise<TrainResult> {
  const b = await createBackend('wasm');
  const data = await loadDataset('synthetic');
  const rng = new Rng(1);
  const net = buildNetwork(b, 'lenet300', data, rng.split('init'), { widthMultiplier: 0.1 });
  const opt = makeOptimizer(b, net.params, { kind: 'sgd', lr, momentum: 0, weightDecay: wd });
  const opts: TrainOptions = { iterations, batchSize: 30, evalEvery, lr: () => lr, sparse: 'dense' };
  const gen = train(b, net.model, net.params, opt, data, opts, { data: rng.split('data'), dropout: rng.split('dropout') });
  let r = gen.next();
  while (!r.done) r = gen.next();
  return r.value;
}

test('a non-finite training loss stops training there, with one evaluation of the end state', async () => {
  const res = await sgdRun(9.9, 1, 200, 100);
  assert.ok(res.diverged, 'diverged is set');
  const { iteration, loss } = res.diverged!;
  assert.ok(!Number.isFinite(loss), `loss ${loss}`);
  assert.ok(iteration < 100, `stopped early, at ${iteration}`);
  // no scheduled evaluation came before it: the only one is at the divergence point
  assert.equal(res.evals.map((e) => e.iteration), [iteration]);
  assert.is(res.final.iteration, iteration);
  assert.ok(!Number.isFinite(res.final.trainLoss));
  assert.is(res.earlyStop, res.final, 'no finite evaluation to pick from');
});

test('evaluating every step: training stops at the first non-finite training or validation loss', async () => {
  const res = await sgdRun(9.9, 1, 200, 1);
  assert.ok(res.diverged, 'diverged is set');
  const last = res.evals[res.evals.length - 1];
  assert.is(last.iteration, res.diverged!.iteration);
  // with one step per evaluation, trainLoss is that step's loss: all finite before the last
  for (const e of res.evals.slice(0, -1)) assert.ok(Number.isFinite(e.trainLoss) && Number.isFinite(e.valLoss), `iteration ${e.iteration}`);
  assert.ok(!Number.isFinite(last.trainLoss) || !Number.isFinite(last.valLoss));
  assert.is(String(res.diverged!.loss), String(Number.isFinite(last.trainLoss) ? last.valLoss : last.trainLoss));
  // the early stop is the best finite evaluation, never a NaN one
  assert.is(res.earlyStop.valLoss, Math.min(...res.evals.slice(0, -1).map((e) => e.valLoss)));
});

test('a stable run has no divergence record', async () => {
  const res = await sgdRun(0.05, 0, 40, 20);
  assert.is(res.diverged, undefined);
  assert.is('diverged' in res, false);
  assert.is(res.final.iteration, 40);
});

test.run();

// The convolutional presets and the training settings they rely on: learning-rate schedule,
// augmentation and normalisation fields, BatchNorm state in snapshots, and augmentation
// reaching the trainer's batches.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../../src/backend/index.ts';
import { makeSyntheticDataset } from '../../src/data/synthetic.ts';
import { resolveConfig } from '../../src/experiment/config.ts';
import { convPresets } from '../../src/experiment/conv-presets.ts';
import { presetConfig, presets } from '../../src/experiment/presets.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { RunDir, loadMasks, loadWeights } from '../../src/experiment/store.ts';
import { countOnes } from '../../src/prune/masks.ts';
import { getModel } from '../../src/nn/models.ts';
import { initParameters } from '../../src/nn/module.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { lrSchedule } from '../../src/optim/schedule.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { restoreWeights, snapshotWeights } from '../../src/train/state.ts';
import { train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { writeCifarDir } from '../fixtures/cifar.ts';

test('every conv preset resolves, names a registered model, and carries the paper settings', () => {
  for (const name of Object.keys(convPresets)) {
    assert.ok(Object.hasOwn(presets, name), `${name} is in the preset registry`);
    const c = presetConfig(name);
    assert.ok(getModel(c.model), c.model);
  }
  const c2 = presetConfig('conv2-paper');
  assert.equal([c2.optimizer.kind, c2.optimizer.lr, c2.iterations, c2.batchSize], ['adam', 2e-4, 20000, 60]);
  assert.equal(c2.pruning.rates, { conv: 0.1, fc: 0.2, output: 0.1 });
  assert.is(presetConfig('conv6-paper').pruning.rates.conv, 0.15);
  assert.is(presetConfig('conv4-paper-dropout').dropout, 0.5);
  const r = presetConfig('resnet20-paper');
  assert.equal([r.optimizer.kind, r.optimizer.momentum, r.optimizer.weightDecay, r.batchSize, r.iterations], ['sgd', 0.9, 1e-4, 128, 30000]);
  assert.equal([r.pruning.strategy, r.pruning.rate, r.augment], ['global', 0.2, { crop: 4, flip: true }]);
  assert.is(presetConfig('conv-quick').dataset, 'mnist');
});

test('the VGG-19 schedule: 10K warmup to 0.1, then x0.1 after epochs 80 and 120', () => {
  const lr = lrSchedule(presetConfig('vgg19-paper').optimizer);
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-12;
  assert.ok(near(lr(1), 1e-5) && near(lr(5000), 0.05) && near(lr(10000), 0.1));
  assert.ok(near(lr(56240), 0.1) && near(lr(56241), 0.01) && near(lr(84361), 0.001) && near(lr(112480), 0.001));
});

test('config fields for schedules, augmentation and normalisation are validated', () => {
  const c = resolveConfig({ optimizer: { milestones: [100, 200], warmupIterations: 50 }, augment: { crop: 4 }, normalize: 'channel' });
  assert.equal([c.optimizer.milestones, c.optimizer.gamma, c.augment, c.normalize], [[100, 200], 0.1, { crop: 4, flip: false }, 'channel']);
  assert.throws(() => resolveConfig({ optimizer: { milestones: [200, 100] } }), /optimizer\.milestones\[1\]/);
  assert.throws(() => resolveConfig({ normalize: 'pixel' }), /normalize/);
  assert.throws(() => resolveConfig({ augment: { crop: -1 } }), /augment\.crop/);
});

test('BatchNorm running statistics ride along in snapshots, restores and re-initialisation', async () => {
  const b = await createBackend('wasm');
  const model = getModel('resnet20').build(b, { inputShape: [1, 8, 8], numClasses: 3, widthMultiplier: 0.25 });
  const params = model.parameters();
  initParameters(b, params, new Rng(1));
  const before = snapshotWeights(b, params);
  assert.equal(Array.from(before['bn.runningVar']), [1, 1, 1, 1]);
  const stat = params.find((p) => p.name === 'bn.runningMean')!;
  b.write(stat.tensor.buf, [1, 2, 3, 4]);
  restoreWeights(b, params, before);
  assert.equal(Array.from(b.read(stat.tensor.buf)), [0, 0, 0, 0]);
  b.write(stat.tensor.buf, [1, 2, 3, 4]);
  initParameters(b, params, new Rng(1));
  assert.equal(Array.from(b.read(stat.tensor.buf)), [0, 0, 0, 0]);
});

test('augmentation reaches the training batches (and stays seeded)', async () => {
  const b = await createBackend('wasm');
  const data = makeSyntheticDataset({ train: 120, val: 20, test: 20 });
  const lossesWith = async (augment?: { crop: number; flip: boolean }) => {
    const rng = new Rng(3);
    const net = buildNetwork(b, 'conv2', data, rng.split('init'), { widthMultiplier: 0.125 });
    const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: 1e-3 });
    const gen = train(b, net.model, net.params, opt, data, { iterations: 2, batchSize: 20, evalEvery: 1, lr: () => 1e-3, augment }, { data: rng.split('data'), dropout: rng.split('dropout') });
    const losses: number[] = [];
    for (let r = gen.next(); !r.done; r = gen.next()) if (r.value.kind === 'eval') losses.push(r.value.record.trainLoss);
    return losses;
  };
  const plain = await lossesWith();
  const aug = await lossesWith({ crop: 2, flip: true });
  assert.equal(await lossesWith({ crop: 0, flip: false }), plain, 'crop 0 without flip is no augmentation');
  assert.not.equal(aug, plain);
  assert.equal(await lossesWith({ crop: 2, flip: true }), aug, 'same seed, same augmented batches');
});

test('resnet20-paper end to end on a CIFAR-format fixture: global pruning spares the fc layer', async () => {
  const cfg = presetConfig('resnet20-paper', {
    dataset: `cifar10:${writeCifarDir(20, 20)}`,
    widthMultiplier: 0.125,
    iterations: 4,
    batchSize: 10,
    evalEvery: 2,
    evalBatchSize: 8,
    optimizer: { milestones: [3], warmupIterations: 2 },
    pruning: { rounds: 1 },
    branches: ['ticket'],
    trials: 1,
  });
  const out = join(mkdtempSync(join(tmpdir(), 'lth-conv-')), 'run');
  for await (const ev of runExperiment(cfg, out)) void ev;
  const dir = new RunDir(out);
  const [m0, m1] = [loadMasks(dir.mask(0, 0)), loadMasks(dir.mask(1, 0))];
  const conv = Object.keys(m0).filter((k) => k !== 'fc.weight');
  const total = conv.reduce((s, k) => s + m0[k].length, 0);
  assert.is(conv.reduce((s, k) => s + countOnes(m1[k]), 0), total - Math.round(0.2 * total), 'one global threshold over the conv weights');
  assert.is(countOnes(m1['fc.weight']), m1['fc.weight'].length, 'the output layer is not pruned');
  const rewind = loadWeights(dir.rewind(0));
  assert.equal(Array.from(rewind['bn.runningVar']), [1, 1], 'rewind point 0 holds the initial running statistics');
  assert.ok(Array.from(loadWeights(dir.finalWeights(1, 0, 'ticket'))['bn.runningMean']).some((v) => v !== 0), 'training moved them');
});

test.run();

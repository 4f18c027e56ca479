// Every model `lth models` lists trains at its paper preset's batch size, at full width, and
// evaluates, on Fashion-MNIST-shaped (1x28x28) and CIFAR-shaped (3x32x32) input in < 2 GiB of
// wasm memory. ResNet-20 on 28x28 evaluated over 1,100 examples at eval batch 1000 is the case
// that used to die past 4 GiB (every activation of a 1000-row pass held at once, ~2.5 MB a row).
// One training step per case: full-width VGG-19 and ResNet-20 steps at batch 64 and 128 cost
// seconds each on 2 cores, so only LeNet and that ResNet-20 case evaluate over > 1,000 examples
// (the others evaluate a few rows: passes are capped the same way for every model, see
// evaluate.test.ts, and the first step already holds a step's whole arena).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWasmBackend } from '../../src/backend/wasm.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { presetConfig } from '../../src/experiment/presets.ts';
import { getModel, models } from '../../src/nn/models.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

const GiB = 2 ** 30;
const SHAPES = [[1, 28, 28], [3, 32, 32]];

/** Random images of `shape`, labels cycling through 10 classes. */
function generated(shape: number[], n: { train: number; val: number }): Dataset {
  const f = shape[0] * shape[1] * shape[2];
  const rng = new Rng(7, shape.join('x'));
  const split = (m: number) => ({ x: Float32Array.from({ length: m * f }, () => rng.next()), y: Float32Array.from({ length: m }, (_, i) => i % 10), n: m });
  return { name: 'generated', inputShape: shape, numClasses: 10, train: split(n.train), val: split(n.val), test: split(10), description: 'random images' };
}

const IMAGE_MODELS = ['lenet300', 'conv2', 'conv4', 'conv6', 'vgg19', 'resnet20'];

test('the models under test are the ones the CLI lists', () => {
  assert.equal(Object.keys(models), [...IMAGE_MODELS, 'bert', 'vit']);
});

/** Runs one training step at `batchSize` and one evaluation of `data`'s validation split; returns the final record's validation loss. */
async function stepAndEvaluate(model: string, data: Dataset, batchSize: number, build: Parameters<ReturnType<typeof getModel>['build']>[1]) {
  const b = await createWasmBackend();
  const net = getModel(model).build(b, build);
  const params = net.parameters();
  const opt = makeOptimizer(b, params, { kind: 'adam', lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const gen = train(b, net, params, opt, data, { iterations: 1, batchSize, evalEvery: 1, evalBatchSize: 1000, lr: () => 1e-4, model }, { data: new Rng(2), dropout: new Rng(3) });
  let r = gen.next();
  while (!r.done) r = gen.next();
  return { valLoss: r.value.final.valLoss, bytes: b.memoryBytes() };
}

// The transformers at their presets' sizes and batches: bert (4 layers, hidden 128, 128 tokens,
// batch 32) on token rows, with and without the MLM head, and vit-quick on MNIST-shaped images.
// A bert row costs ~2.8 MB of activations in an evaluation pass, so 300 rows already take
// several passes capped by the scratch budget (1,100 would add ~30 s of compute and no new case).
for (const [preset, mlm] of [['bert', false], ['bert-pretrain', true]] as const) {
  test(`bert at preset ${preset}: a step at its batch and an evaluation of 300 rows (several capped passes) stay under 2 GiB`, async () => {
    const cfg = presetConfig(preset);
    const seqLen = cfg.text.seqLen;
    const k = mlm ? Math.ceil(0.15 * seqLen) : 0;
    const text = { vocabSize: cfg.text.vocabSize, seqLen, maskedPositions: k };
    const rng = new Rng(11);
    const rows = (m: number) => {
      const x = new Float32Array(m * (seqLen + k));
      const y = new Float32Array(m * Math.max(1, k));
      for (let i = 0; i < m; i++) {
        const len = 8 + rng.int(seqLen - 8);
        x[i * (seqLen + k)] = 2;
        for (let j = 1; j < len; j++) x[i * (seqLen + k) + j] = 5 + rng.int(text.vocabSize - 5);
        for (let j = 0; j < k; j++) {
          x[i * (seqLen + k) + seqLen + j] = 1 + j;
          y[i * k + j] = j < 5 ? 5 + rng.int(text.vocabSize - 5) : -1;
        }
        if (k === 0) y[i] = i % 2;
      }
      return { x, y, n: m };
    };
    const numClasses = mlm ? text.vocabSize : 2;
    const data: Dataset = { name: 'tokens', description: 'random token rows', inputShape: [seqLen + k], numClasses, labelWidth: Math.max(1, k), text, train: rows(cfg.batchSize), val: rows(300), test: rows(10) };
    const r = await stepAndEvaluate('bert', data, cfg.batchSize, { inputShape: data.inputShape, numClasses, text, transformer: cfg.transformer, dropout: cfg.dropout });
    assert.ok(Number.isFinite(r.valLoss), 'evaluated');
    assert.ok(r.bytes < 2 * GiB, `${(r.bytes / 2 ** 20).toFixed(0)} MiB of wasm memory`);
  });
}

test('vit at preset vit-quick: a step at its batch and an evaluation of 1,100 rows stay under 2 GiB', async () => {
  const cfg = presetConfig('vit-quick');
  const data = generated([1, 28, 28], { train: cfg.batchSize, val: 1100 });
  const r = await stepAndEvaluate('vit', data, cfg.batchSize, { inputShape: [1, 28, 28], numClasses: 10, transformer: cfg.transformer });
  assert.ok(Number.isFinite(r.valLoss), 'evaluated');
  assert.ok(r.bytes < 2 * GiB, `${(r.bytes / 2 ** 20).toFixed(0)} MiB of wasm memory`);
});

for (const model of IMAGE_MODELS) {
  for (const shape of SHAPES) {
    const batchSize = presetConfig(`${model}-paper`).batchSize;
    const evalRows = model === 'lenet300' || (model === 'resnet20' && shape[0] === 1) ? 1100 : 9;
    test(`${model} on ${shape.join('x')}: a step at batch ${batchSize} and an evaluation of ${evalRows} rows stay under 2 GiB`, async () => {
      const b = await createWasmBackend();
      const data = generated(shape, { train: batchSize, val: evalRows });
      // Built without initParameters (seconds of Gaussians for VGG-19's 20M weights): memory does not depend on the values.
      const net = getModel(model).build(b, { inputShape: shape, numClasses: 10 });
      const params = net.parameters();
      const opt = makeOptimizer(b, params, { kind: 'sgd', lr: 0.01, momentum: 0.9 });
      const gen = train(b, net, params, opt, data, { iterations: 1, batchSize, evalEvery: 1, evalBatchSize: 1000, lr: () => 0.01, model }, { data: new Rng(2), dropout: new Rng(3) });
      let r = gen.next();
      while (!r.done) r = gen.next();
      assert.ok(Number.isFinite(r.value.final.valLoss), 'evaluated');
      assert.ok(b.memoryBytes() < 2 * GiB, `${model} ${shape.join('x')}: ${(b.memoryBytes() / 2 ** 20).toFixed(0)} MiB of wasm memory`);
    });
  }
}

test.run();

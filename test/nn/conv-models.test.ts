// The convolutional models by name: architecture (names, shapes, the paper's weight counts),
// forward shapes on MNIST-like and CIFAR-like inputs, width multiplier and dropout, and that a
// few Adam steps on a fixed batch lower the loss (BatchNorm in train and eval mode).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import { softmaxCrossEntropy } from '../../src/autograd/ops/loss.ts';
import { evalCtx, trainCtx } from '../../src/autograd/tape.ts';
import { Tensor } from '../../src/autograd/tensor.ts';
import { JsBackend } from '../../src/backend/js.ts';
import { getModel, models } from '../../src/nn/models.ts';
import { initParameters } from '../../src/nn/module.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { trainStep } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

const CIFAR = { inputShape: [3, 32, 32], numClasses: 10 };

/** Prunable weights of a model built (not initialised) at width 1 on CIFAR shapes. */
function weightCount(name: string): number {
  const params = getModel(name).build(new JsBackend(), CIFAR).parameters();
  return params.filter((p) => p.prunable).reduce((s, p) => s + p.size, 0);
}

test('the registry has the conv models; weight counts match the paper (Fig. 2)', () => {
  for (const name of ['conv2', 'conv4', 'conv6', 'vgg19', 'resnet20']) assert.ok(Object.hasOwn(models, name), name);
  assert.is(weightCount('conv2'), 38592 + 4262400); // 4.3M
  assert.is(weightCount('conv4'), 259776 + 2165248); // 2.4M
  assert.is(weightCount('vgg19'), 20018880 + 5120); // 20.0M
  assert.is(weightCount('resnet20'), 270896); // 0.27M ("274K" in the paper counts BatchNorm too)
});

test('parameter names, shapes and what is prunable', () => {
  const net = getModel('conv4').build(new JsBackend(), { ...CIFAR, widthMultiplier: 0.25, dropout: 0.5 });
  const shapes = Object.fromEntries(net.parameters().map((p) => [p.name, [...p.tensor.shape, p.prunable ? 'P' : '-']]));
  assert.equal(shapes['conv1.weight'], [16, 3, 3, 3, 'P']);
  assert.equal(shapes['conv3.weight'], [32, 16, 3, 3, 'P']);
  assert.equal(shapes['conv4.bias'], [32, '-']);
  assert.equal(shapes['fc1.weight'], [64, 32 * 8 * 8, 'P']);
  assert.equal(shapes['fc3.weight'], [10, 64, 'P']);
  const res = getModel('resnet20').build(new JsBackend(), CIFAR).parameters();
  const names = res.map((p) => p.name);
  assert.ok(names.includes('stage2.block0.shortcut.weight') && !names.includes('stage1.block0.shortcut.weight'));
  const bn = res.filter((p) => p.name.startsWith('bn.'));
  assert.equal(bn.map((p) => [p.name, p.prunable, p.tensor.requiresGrad]), [
    ['bn.gamma', false, true], ['bn.beta', false, true], ['bn.runningMean', false, false], ['bn.runningVar', false, false],
  ]);
  assert.throws(() => getModel('conv6').build(new JsBackend(), { inputShape: [784], numClasses: 10 }), /channels, height, width/);
  assert.throws(() => getModel('conv6').build(new JsBackend(), { inputShape: [1, 4, 4], numClasses: 10 }), /too small/);
});

for (const [name, width, shape] of [['conv2', 0.125, [1, 28, 28]], ['conv6', 0.0625, [3, 32, 32]], ['vgg19', 0.0625, [3, 32, 32]], ['resnet20', 0.25, [1, 28, 28]]] as const) {
  test(`${name} (width ${width}) on [${shape}]: logits shape, and 8 Adam steps on one batch lower the loss`, async () => {
    const b = await createBackend('wasm');
    const rng = new Rng(3);
    const model = getModel(name).build(b, { inputShape: shape, numClasses: 10, widthMultiplier: width });
    const params = model.parameters();
    initParameters(b, params, rng.split('init'));
    const n = 8;
    const features = shape.reduce((a: number, d: number) => a * d, 1);
    const xs = Float32Array.from({ length: n * features }, () => rng.normal());
    const ys = Float32Array.from({ length: n }, (_, i) => i % 10);
    const opt = makeOptimizer(b, params, { kind: 'adam', lr: 3e-3 });
    const ctx = trainCtx(b, rng.split('dropout'));
    const losses = Array.from({ length: 8 }, () => trainStep(ctx, model, params, opt, xs, ys, n, features, 3e-3));
    assert.ok(losses[7] < losses[0], `loss ${losses[0]} -> ${losses[7]}`);
    b.resetScratch();
    const x = new Tensor([n, features], b.scratch(n * features), false);
    b.write(x.buf, xs);
    const logits = model.forward(evalCtx(b, rng), x);
    assert.equal(logits.shape, [n, 10]);
    const labels = b.scratch(n);
    b.write(labels, ys);
    assert.ok(Number.isFinite(softmaxCrossEntropy(evalCtx(b, rng), logits, labels)), 'eval mode (running statistics) gives a finite loss');
  });
}

test.run();

// Out of wasm memory is one line naming the model, the batch size and the flag to lower: in a
// training step, in an evaluation, and when the parameters alone do not fit. A lowered heap
// maximum (createWasmBackend's maxMemoryBytes) makes it cheap to reach.
import { test } from 'uvu';
import { createWasmBackend } from '../../src/backend/wasm.ts';
import { makeSyntheticDataset } from '../../src/data/synthetic.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { type TrainOptions, train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertUserError, lthInProcess } from '../fixtures/cli.ts';
import { throwsUser } from '../fixtures/user-error.ts';

const data = makeSyntheticDataset({ train: 600, val: 600, test: 10 });
const MiB = 2 ** 20;

async function trainUnder(maxMemoryBytes: number, opts: Partial<TrainOptions>): Promise<() => unknown> {
  const b = await createWasmBackend(undefined, { maxMemoryBytes });
  const net = buildNetwork(b, 'conv2', data, new Rng(1), { widthMultiplier: 0.25 });
  const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: 1e-3 });
  const o: TrainOptions = { iterations: 1, batchSize: 4, evalEvery: 100, lr: () => 1e-3, model: 'conv2', ...opts };
  return () => [...train(b, net.model, net.params, opt, data, o, { data: new Rng(2), dropout: new Rng(3) })];
}

test('a training step that does not fit names the model, the batch size and --batch-size', async () => {
  // conv2 at width 0.25 holds ~0.5 MB of activations and gradients per image: 600 images need ~300 MB.
  throwsUser(await trainUnder(48 * MiB, { batchSize: 600 }), ['out of memory training model conv2', 'batch size 600', '--batch-size', 'batchSize', '48 MiB']);
});

test('an evaluation that does not fit names the eval batch size and --eval-batch-size', async () => {
  // Batch 4 trains in a few MiB; an evaluation pass may take up to its 256 MiB budget.
  throwsUser(await trainUnder(48 * MiB, { evalBatchSize: 1000 }), ['out of memory evaluating model conv2', 'eval batch size 1000', '--eval-batch-size', 'evalBatchSize']);
});

test('parameters that do not fit name the model, the width and --width', async () => {
  const b = await createWasmBackend(undefined, { maxMemoryBytes: 64 * MiB });
  throwsUser(() => buildNetwork(b, 'vgg19', data, new Rng(1), { widthMultiplier: 2 }), ['out of memory building model vgg19 at width 2', '--width', 'widthMultiplier']);
});

test('lth train: out of memory is one line and exit 2, not a RangeError stack trace', async () => {
  // VGG-19 at width 8 has 4096-channel convs of 600 MB each: past wasm32's 4 GiB while building.
  assertUserError(await lthInProcess('train', '--model', 'vgg19', '--width', '8', '--dataset', 'synthetic', '--iterations', '1'), ['out of memory', 'vgg19', '--width']);
});

test.run();

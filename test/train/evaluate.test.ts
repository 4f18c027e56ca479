// evaluate(): a pass keeps no activations beyond two adjacent layers (train/inference.ts), rows
// per pass are capped by a scratch budget whatever the eval batch size asks, and the results do
// not depend on the batch size beyond the loss's summation order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evalCtx } from '../../src/autograd/tape.ts';
import { Tensor } from '../../src/autograd/tensor.ts';
import { createWasmBackend } from '../../src/backend/wasm.ts';
import { makeSyntheticDataset } from '../../src/data/synthetic.ts';
import { inferenceForward } from '../../src/train/inference.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { evaluate } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

const data = makeSyntheticDataset({ train: 10, val: 203, test: 10 });
const MiB = 2 ** 20;

test('the same accuracy (exactly) and loss (to 1e-6) at every eval batch size and scratch budget', async () => {
  const b = await createWasmBackend();
  for (const [model, width] of [['resnet20', 0.25], ['conv2', 0.25], ['lenet300', 0.5]] as const) {
    const net = buildNetwork(b, model, data, new Rng(1), { widthMultiplier: width });
    const want = evaluate(b, net.model, data.val, 784, 10, new Rng(2), 1000);
    assert.ok(want.accuracy > 0 && want.accuracy < 1 && Number.isFinite(want.loss), `${model}: ${JSON.stringify(want)}`);
    for (const [batch, budget] of [[203, 1 << 30], [64, 1 << 30], [7, 1 << 30], [1, 1 << 30], [1000, 256 << 10]]) {
      const got = evaluate(b, net.model, data.val, 784, 10, new Rng(2), batch, budget);
      assert.is(got.accuracy, want.accuracy, `${model} batch ${batch} budget ${budget}: accuracy`);
      assert.ok(Math.abs(got.loss - want.loss) <= 1e-6 * want.loss, `${model} batch ${batch} budget ${budget}: loss ${got.loss} vs ${want.loss}`);
    }
  }
});

test('an inference pass holds two adjacent layers of activations, not the whole network', async () => {
  const b = await createWasmBackend();
  const net = buildNetwork(b, 'resnet20', data, new Rng(1), { widthMultiplier: 0.25 });
  const ctx = evalCtx(b, new Rng(2));
  const peak = (forward: (x: Tensor) => Tensor): number => {
    b.resetScratch();
    forward(new Tensor([16, 784], b.scratch(16 * 784), false));
    const p = b.scratchPeak();
    b.resetScratch();
    return p;
  };
  const whole = peak((x) => net.model.forward(ctx, x));
  const released = peak((x) => inferenceForward(ctx, net.model, x));
  assert.ok(released < 0.4 * whole, `inference ${(released / MiB).toFixed(2)} MiB vs a plain forward ${(whole / MiB).toFixed(2)} MiB`);
  assert.throws(() => inferenceForward({ ...ctx, tape: { record() {} } as never }, net.model, new Tensor([1, 784], b.scratch(784), false)), /no tape/);
});

test('rows per pass fit the scratch budget: memory stays within it whatever the eval batch size', async () => {
  const grown = async (budget: number): Promise<number> => {
    const b = await createWasmBackend();
    const net = buildNetwork(b, 'resnet20', data, new Rng(1), { widthMultiplier: 0.5 });
    const before = b.memoryBytes();
    evaluate(b, net.model, data.val, 784, 10, new Rng(2), 1000, budget);
    return b.memoryBytes() - before;
  };
  const capped = await grown(4 * MiB);
  const free = await grown(1024 * MiB);
  // 203 rows at ~0.35 MiB a row: ~70 MiB in one pass without a cap, a few MiB with one.
  assert.ok(capped <= 3 * 4 * MiB, `grew ${(capped / MiB).toFixed(1)} MiB with a 4 MiB budget`);
  assert.ok(free > 8 * capped, `grew ${(free / MiB).toFixed(1)} MiB with a 1 GiB budget`);
});

test.run();

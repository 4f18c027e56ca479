// A short training run on the kernel pool equals the one-thread run bit for bit (issue 14):
// LeNet-300-100 with the pool's real size thresholds, and a Conv-2 and a LeNet with every op
// split (thresholds off), each on 2 threads against 1, compared weight by weight and eval by eval.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../../src/backend/index.ts';
import { type WasmBackend, createWasmBackend } from '../../../src/backend/wasm.ts';
import type { Backend } from '../../../src/backend/backend.ts';
import { makeSyntheticDataset } from '../../../src/data/synthetic.ts';
import { makeOptimizer } from '../../../src/optim/optimizer.ts';
import { buildNetwork } from '../../../src/train/setup.ts';
import { snapshotWeights } from '../../../src/train/state.ts';
import { train } from '../../../src/train/trainer.ts';
import { Rng } from '../../../src/util/rng.ts';

function trainOn(b: Backend, model: string, width: number, iterations: number) {
  const data = makeSyntheticDataset({ train: 240, val: 60, test: 60 });
  const rng = new Rng(7);
  const net = buildNetwork(b, model, data, rng.split('init'), { widthMultiplier: width });
  const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: 2e-3 });
  const gen = train(b, net.model, net.params, opt, data, { iterations, batchSize: 60, evalEvery: iterations, lr: () => 2e-3 },
    { data: rng.split('data'), dropout: rng.split('dropout') });
  let r = gen.next();
  while (!r.done) r = gen.next();
  return { evals: r.value.evals, weights: snapshotWeights(b, net.params) };
}

function assertSame(a: ReturnType<typeof trainOn>, b: ReturnType<typeof trainOn>, what: string): void {
  assert.equal(b.evals, a.evals, `${what}: evals`);
  for (const k of Object.keys(a.weights)) {
    assert.ok(a.weights[k].every((v, i) => Object.is(v, b.weights[k][i])), `${what}: ${k} bit-identical`);
  }
}

test('LeNet-300-100, 20 steps: threads 2 (createBackend, real thresholds) equals threads 1', async () => {
  const one = await createBackend('wasm', { threads: 1 });
  const two = (await createBackend('wasm', { threads: 2 })) as WasmBackend;
  assert.is(two.threads, 2);
  assertSame(trainOn(one, 'lenet300', 1, 20), trainOn(two, 'lenet300', 1, 20), 'lenet300');
  two.disposeThreads();
});

test('Conv-2 and LeNet with every op split: threads 2 and 3 equal threads 1', async () => {
  const one = await createWasmBackend();
  for (const threads of [2, 3]) {
    const many = await createWasmBackend(undefined, { threads, minWork: { flops: 1, elems: 1 } });
    assertSame(trainOn(one, 'conv2', 0.125, 6), trainOn(many, 'conv2', 0.125, 6), `conv2 on ${threads} threads`);
    assertSame(trainOn(one, 'lenet300', 0.25, 10), trainOn(many, 'lenet300', 0.25, 10), `lenet300 on ${threads} threads`);
    many.disposeThreads();
  }
});

test.run();

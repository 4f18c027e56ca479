// The tfjs-wasm backend beyond the shared conformance suites: no tensor leaks across training
// steps, the fallback from our wasm module, and LeNet trained through the CLI matching the wasm
// backend's accuracy on the same seed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createBackend } from '../../src/backend/index.ts';
import { convGeom, convSizes, poolGeom } from '../../src/backend/conv-geom.ts';
import { createTfjsBackend } from '../../src/backend/tfjs.ts';
import { initTfjsWasm } from '../../src/backend/tfjs-init.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { train } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

const tf = await initTfjsWasm();

test('tfjs-wasm: the tensor count stays flat over 50 LeNet training steps (evaluation included)', async () => {
  const b = await createTfjsBackend();
  const data = await loadDataset('synthetic');
  const rng = new Rng(5);
  const net = buildNetwork(b, 'lenet300', data, rng.split('init'), { widthMultiplier: 0.25 });
  const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: 2e-3 });
  const gen = train(b, net.model, net.params, opt, data, { iterations: 70, batchSize: 60, evalEvery: 20, lr: () => 2e-3 },
    { data: rng.split('data'), dropout: rng.split('dropout') });
  // the count after each step; an evaluating step yields 'eval' after its own scratch reset, so
  // the two kinds settle at different (each constant) levels
  const counts = { step: [] as number[], eval: [] as number[] };
  for (let r = gen.next(); !r.done; r = gen.next()) counts[r.value.kind].push(tf.memory().numTensors);
  // after the first steps (optimizer state allocated on first use), no kind of step adds tensors
  const steady = counts.step.slice(5);
  assert.ok(steady.length >= 50, `${steady.length} steps`);
  assert.ok(steady.every((c) => c === steady[0]), `tensor counts drift: ${steady.join(' ')}`);
  assert.ok(counts.eval.length >= 3 && counts.eval.every((c) => c === counts.eval[0]), `after evaluations: ${counts.eval.join(' ')}`);
});

test('tfjs-wasm: conv, pooling and batch norm ops leave no tensors behind', async () => {
  const b = await createTfjsBackend();
  const g = convGeom(4, 3, 8, 8, 6, 3);
  const p = poolGeom(4, 6, 8, 8, 2);
  const z = convSizes(g);
  const [x, w, y, dx, dw, pooled, mean, variance, gamma] = [z.x, z.w, z.y, z.x, z.w, z.y / 4, 6, 6, 6].map((n) => b.alloc(n));
  b.fill(gamma, 1, 6);
  const step = () => {
    const dy = b.scratch(z.y);
    b.conv2d(x, w, y, g);
    b.batchNormStats(y, mean, variance, 4, 6, 64);
    b.batchNormForward(y, mean, variance, gamma, gamma, y, 4, 6, 64, 1e-5);
    b.batchNormBackward(y, y, mean, variance, gamma, dy, b.scratch(6), b.scratch(6), 4, 6, 64, 1e-5, true, false);
    b.maxPool2d(y, pooled, p);
    b.maxPool2dBackward(y, pooled, dy, p, true);
    b.conv2dBackwardData(dy, w, dx, g, false);
    b.conv2dBackwardWeights(x, dy, dw, g, true);
    b.resetScratch();
  };
  step(); // builds the pooling tap table once
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) step();
  assert.is(tf.memory().numTensors, before);
});

test('createBackend: wasm falls back to tfjs-wasm with one warning only when asked to', async () => {
  const broken = Uint8Array.of(0, 97, 115, 109, 9, 9, 9, 9); // a wasm header with a bad version: compile fails
  const lines: string[] = [];
  const b = await createBackend('wasm', { fallback: true, wasmBytes: broken, warn: (l) => lines.push(l) });
  assert.is(b.name, 'tfjs-wasm');
  assert.is(lines.length, 1);
  assert.match(lines[0], /wasm backend cannot load .*falling back to tfjs-wasm/);
  assert.not.match(lines[0], /\n/);
  await createBackend('wasm', { wasmBytes: broken }).then(() => assert.unreachable('no fallback: the error surfaces'), (err) => assert.instance(err, Error));
  const ok = await createBackend('wasm', { fallback: true, warn: (l) => lines.push(l) });
  assert.is(ok.name, 'wasm', 'a module that loads is used');
  assert.is(lines.length, 1);
  assert.is((await createBackend('tfjs-wasm')).name, 'tfjs-wasm');
});

test('lth train --backend tfjs-wasm: LeNet-300-100 test accuracy within 0.5 points of --backend wasm, same seed', async () => {
  const exec = promisify(execFile);
  const run = async (backend: string) => {
    const args = ['--import', 'tsx', 'src/cli/main-node.ts', 'train', '--model', 'lenet300', '--dataset', 'mnist',
      '--iterations', '1000', '--eval-every', '500', '--seed', '3', '--backend', backend, '--json'];
    const { stdout } = await exec(process.execPath, args, { maxBuffer: 1 << 22 });
    return JSON.parse(stdout.trim().split('\n').at(-1) as string) as { backend: string; testAccuracy: number };
  };
  const [wasm, tfjs] = await Promise.all([run('wasm'), run('tfjs-wasm')]);
  assert.is(tfjs.backend, 'tfjs-wasm');
  assert.is(wasm.backend, 'wasm');
  assert.ok(wasm.testAccuracy > 0.9, `wasm accuracy ${wasm.testAccuracy}`);
  const gap = Math.abs(tfjs.testAccuracy - wasm.testAccuracy) * 100;
  assert.ok(gap <= 0.5, `tfjs-wasm ${(tfjs.testAccuracy * 100).toFixed(2)}% vs wasm ${(wasm.testAccuracy * 100).toFixed(2)}%: ${gap.toFixed(2)} points apart`);
});

test.run();

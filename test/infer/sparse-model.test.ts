// model.lth: the format round-trips and rejects malformed files; SparseModel predicts what the
// dense network computes (batch 1, odd batches, batches past one chunk, dense-enough layers on
// GEMM; MLPs, conv nets, VGG with its BatchNorms folded); `lth export` + `lth infer` reproduce a
// run's test accuracy, for an MLP and a conv net.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalCtx } from '../../src/autograd/tape.ts';
import { Tensor } from '../../src/autograd/tensor.ts';
import { createBackend } from '../../src/backend/index.ts';
import { main } from '../../src/cli/main.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { resolveConfig } from '../../src/experiment/config.ts';
import { readJsonIfExists } from '../../src/experiment/io/atomic.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { RunDir } from '../../src/experiment/store.ts';
import { exportSparseModel, mlpLayers, modelLayers, sparseLayers } from '../../src/infer/export.ts';
import { type LinearLayerSpec, type SparseModelSpec, SPARSE_FORMAT_MLP, decodeSparseModel, encodeSparseModel } from '../../src/infer/format.ts';
import { decodeSafetensors, encodeSafetensors } from '../../src/experiment/io/safetensors.ts';
import { shapeOnlyDataset } from '../../src/data/dataset.ts';
import type { Network } from '../../src/train/setup.ts';
import { CONV_DENSE_ABOVE, DENSE_ABOVE, SparseModel, loadSparseModel } from '../../src/infer/sparse-model.ts';
import { applyMasks } from '../../src/prune/apply.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { snapshotWeights } from '../../src/train/state.ts';
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';

const data = await loadDataset('synthetic');
const b = await createBackend('wasm');

/** A masked LeNet (width 0.2) at per-layer densities, and its sparse spec. */
function masked(densities: number[]) {
  const net = buildNetwork(b, 'lenet300', data, new Rng(4).split('init'), { widthMultiplier: 0.2 });
  const rng = new Rng(8);
  const masks = Object.fromEntries(net.params.filter((p) => p.prunable).map((p, i) => [p.name, Uint8Array.from({ length: p.size }, () => (rng.next() < densities[i] ? 1 : 0))]));
  applyMasks(b, net.params, masks);
  for (const p of net.params.filter((q) => !q.prunable)) b.write(p.tensor.buf, Float32Array.from({ length: p.size }, () => rng.next() - 0.5)); // nonzero biases
  const layers = sparseLayers(mlpLayers(net.model, 'lenet300'), snapshotWeights(b, net.params), masks);
  const spec: SparseModelSpec = { model: 'lenet300', dataset: 'synthetic', normalize: false, inputShape: [784], numClasses: 10, layers, info: { round: '3' } };
  return { net, spec };
}

test('model.lth round-trips and malformed files are UserErrors naming the problem', () => {
  const { spec } = masked([0.1, 0.3, 0.5]);
  const back = decodeSparseModel(encodeSparseModel(spec));
  assert.equal(back.info, { round: '3' });
  assert.is(back.layers.length, 3);
  back.layers.forEach((got, i) => {
    const [l, want] = [got as LinearLayerSpec, spec.layers[i] as LinearLayerSpec];
    assert.equal([l.kind, l.name, l.inFeatures, l.outFeatures, l.relu], ['linear', want.name, want.inFeatures, want.outFeatures, want.relu]);
    assert.equal(Array.from(l.colIdx), Array.from(want.colIdx));
    assert.equal(Array.from(l.values), Array.from(want.values));
  });
  const bad = (edit: (s: SparseModelSpec) => void, pattern: RegExp) => {
    const s = structuredClone(spec);
    edit(s);
    assert.throws(() => decodeSparseModel(encodeSparseModel(s)), (e: Error) => e instanceof UserError && pattern.test(e.message));
  };
  const lin = (s: SparseModelSpec, i: number) => s.layers[i] as LinearLayerSpec;
  bad((s) => (lin(s, 0).colIdx[0] = 784), /col_idx\[0\] = 784/);
  bad((s) => (lin(s, 1).rowPtr[3] = lin(s, 1).rowPtr[2] - 1), /decreases|out of range/);
  bad((s) => (lin(s, 2).inFeatures = 19), /does not take/);
  bad((s) => (lin(s, 0).values = lin(s, 0).values.subarray(1)), /values length/);
  assert.throws(() => decodeSparseModel(encodeSparseModel(spec).subarray(0, 100)), (e: Error) => e instanceof UserError);
  // a file of the first format (linear entries without a kind) still loads
  const l0 = lin(spec, 0);
  const v1 = encodeSafetensors({
    'fc.row_ptr': { dtype: 'I32', shape: [l0.rowPtr.length], data: l0.rowPtr }, 'fc.col_idx': { dtype: 'I32', shape: [l0.colIdx.length], data: l0.colIdx },
    'fc.values': { dtype: 'F32', shape: [l0.values.length], data: l0.values }, 'fc.bias': { dtype: 'F32', shape: [l0.bias.length], data: l0.bias },
  }, { format: SPARSE_FORMAT_MLP, input_shape: '[784]', num_classes: String(l0.outFeatures), layers: JSON.stringify([{ name: 'fc', in: 784, out: l0.outFeatures, relu: true }]) });
  const old = decodeSparseModel(v1);
  assert.equal([old.layers[0].kind, old.layers.length, lin(old, 0).values.length], ['linear', 1, l0.values.length]);
});

test('SparseModel.predict equals the dense network, batch 1 to past one chunk, sparse and GEMM layers', () => {
  for (const densities of [[0.05, 0.2, 1], [0.5, DENSE_ABOVE - 0.1, 0]]) {
    const { net, spec } = masked(densities);
    const model = new SparseModel(b, spec);
    const ctx = evalCtx(b, new Rng(1));
    for (const n of [1, 3, 60, 1003]) {
      const x = data.train.x.subarray(0, n * 784);
      b.resetScratch();
      const xt = new Tensor([n, 784], b.scratch(n * 784), false);
      b.write(xt.buf, x);
      const want = b.read(net.model.forward(ctx, xt).buf);
      const got = model.predict(x, n);
      want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-5 * (1 + Math.abs(v)), `densities ${densities} n=${n} [${i}]: ${got[i]} vs ${v}`));
    }
    model.dispose();
  }
});

/** A narrow conv net with random masks (per-layer densities), biases and BatchNorm statistics, and its spec. */
function maskedConv(model: 'conv2' | 'vgg19', inputShape: number[], density: (layer: number) => number) {
  const net: Network = buildNetwork(b, model, shapeOnlyDataset(inputShape, 10), new Rng(5).split('init'), { widthMultiplier: model === 'vgg19' ? 1 / 16 : 0.125 });
  const rng = new Rng(9);
  const masks = Object.fromEntries(net.params.filter((p) => p.prunable).map((p, i) => [p.name, Uint8Array.from({ length: p.size }, () => (rng.next() < density(i) ? 1 : 0))]));
  applyMasks(b, net.params, masks);
  for (const p of net.params.filter((q) => !q.prunable)) {
    const positive = p.name.endsWith('.gamma') || p.name.endsWith('.runningVar');
    b.write(p.tensor.buf, Float32Array.from({ length: p.size }, () => (positive ? 0.5 + rng.next() : rng.next() - 0.5)));
  }
  const layers = sparseLayers(modelLayers(net.model, model), snapshotWeights(b, net.params), masks);
  const spec: SparseModelSpec = { model, dataset: 'x', normalize: false, inputShape, numClasses: 10, layers, info: {} };
  return { net, spec };
}

test('SparseModel.predict equals conv nets in evaluation mode: Conv-2 (sparse and dense convs), VGG-19 with BatchNorm folded', () => {
  const cases = [
    { model: 'conv2' as const, shape: [1, 28, 28], density: (i: number) => (i % 2 === 0 ? 0.1 : CONV_DENSE_ABOVE + 0.2) },
    { model: 'vgg19' as const, shape: [3, 16, 16], density: (i: number) => [0.05, 0.3, 0.6, 1][i % 4] },
  ];
  for (const c of cases) {
    const { net, spec } = maskedConv(c.model, c.shape, c.density);
    const back = decodeSparseModel(encodeSparseModel(spec)); // through the file
    assert.equal(back.layers.map((l) => l.kind), spec.layers.map((l) => l.kind));
    assert.ok(back.layers.some((l) => l.kind === 'conv') && back.layers.some((l) => l.kind === (c.model === 'vgg19' ? 'avgpool' : 'maxpool')));
    const model = new SparseModel(b, back);
    const ctx = evalCtx(b, new Rng(1));
    const k = c.shape.reduce((a, d) => a * d, 1);
    const rng = new Rng(3);
    for (const n of [1, 3, 17]) {
      const x = Float32Array.from({ length: n * k }, () => rng.next());
      b.resetScratch();
      const xt = new Tensor([n, k], b.scratch(n * k), false);
      b.write(xt.buf, x);
      const want = b.read(net.model.forward(ctx, xt).buf);
      const got = model.predict(x, n);
      const scale = Math.max(...want.map(Math.abs));
      want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-4 * scale, `${c.model} n=${n} [${i}]: ${got[i]} vs ${v}`));
    }
    model.dispose();
  }
  const resnet = buildNetwork(b, 'resnet20', shapeOnlyDataset([3, 8, 8], 10), new Rng(1).split('init'), { widthMultiplier: 0.25 });
  assert.throws(() => modelLayers(resnet.model, 'resnet20'), (e: Error) => e instanceof UserError && /BasicBlock/.test(e.message));
  const bad = (edit: (l: Record<string, unknown>[]) => void, pattern: RegExp) => {
    const { spec } = maskedConv('conv2', [1, 12, 12], () => 0.5);
    const { tensors, metadata } = decodeSafetensors(encodeSparseModel(spec));
    const layers = JSON.parse(metadata.layers);
    edit(layers);
    const again = encodeSafetensors(tensors, { ...metadata, layers: JSON.stringify(layers) });
    assert.throws(() => decodeSparseModel(again), (e: Error) => e instanceof UserError && pattern.test(e.message), String(pattern));
  };
  bad((l) => (l[0].in = 3), /does not take the 1 channels/);
  bad((l) => (l[0].kernel = [3]), /kernel must be \[height, width\]/);
  bad((l) => (l[1].padding = 'full'), /padding must be/);
  bad((l) => (l[2].kind = 'upsample'), /unknown kind "upsample"/);
  bad((l) => l.splice(2, 1), /does not take/); // without the pool the fc layer gets 4x the inputs
});

/** Runs an lth command in-process; returns its exit code and what it printed. */
async function lth(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    return { code: await main(argv), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

test('lth export + lth infer: a pruned round of a run, with its accuracy and a batch-1 path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lth-export-'));
  const cfg = resolveConfig({ name: 'x', dataset: 'synthetic', widthMultiplier: 0.2, iterations: 60, evalEvery: 60, pruning: { rounds: 2, rates: { default: 0.5, output: 0.25 } }, branches: ['ticket'], trials: 1 });
  for await (const _ of runExperiment(cfg, dir)) void _;
  const result = readJsonIfExists<{ finalTestAccuracy: number }>(new RunDir(dir).result(2, 0, 'ticket'))!;
  const out = join(dir, 'model.lth');
  const ex = await lth('export', dir, '--round', '2', '--out', out, '--json');
  assert.is(ex.code, 0);
  assert.ok(Math.abs(JSON.parse(ex.out).density - 0.25) < 0.02, ex.out);
  assert.equal(readFileSync(out), Buffer.from(exportSparseModel(dir, { round: 2 })));
  const inf = await lth('infer', out, '--json');
  assert.is(inf.code, 0);
  const r = JSON.parse(inf.out);
  assert.is(r.testAccuracy, result.finalTestAccuracy, 'the exported ticket scores what the run recorded');
  assert.ok(r.examplesPerSecond > 0 && r.batch1LatencyMs > 0);
  const model = await loadSparseModel(readFileSync(out), b);
  assert.is(model.predict(data.test.x.subarray(0, 784), 1).length, 10);
  model.dispose();
  assert.is((await lth('export', dir, '--round', '7', '--out', out)).code, 2, 'a round that did not run');
  assert.is((await lth('infer', join(dir, 'config.json'))).code, 2, 'not a model file');
});

test('lth export + lth infer on a conv net run: the ticket scores what the run recorded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lth-export-conv-'));
  const cfg = resolveConfig({ name: 'c', model: 'conv2', dataset: 'synthetic', widthMultiplier: 0.125, iterations: 30, evalEvery: 30, pruning: { rounds: 1, rates: { default: 0.6, output: 0.3 } }, branches: ['ticket'], trials: 1 });
  for await (const _ of runExperiment(cfg, dir)) void _;
  const result = readJsonIfExists<{ finalTestAccuracy: number }>(new RunDir(dir).result(1, 0, 'ticket'))!;
  const out = join(dir, 'model.lth');
  const ex = await lth('export', dir, '--round', '1', '--out', out, '--json');
  assert.is(ex.code, 0, ex.out);
  const summary = JSON.parse(ex.out);
  assert.equal(summary.layers.map((l: { kind: string }) => l.kind), ['conv', 'conv', 'linear', 'linear', 'linear']);
  assert.equal(summary.layers[0].shape, [8, 9]);
  const inf = await lth('infer', out, '--json');
  assert.is(inf.code, 0);
  assert.is(JSON.parse(inf.out).testAccuracy, result.finalTestAccuracy);
});

test.run();

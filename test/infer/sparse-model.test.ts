// model.lth: the format round-trips and rejects malformed files; SparseModel predicts what the
// dense network computes (batch 1, odd batches, batches past one chunk, dense-enough layers on
// GEMM); `lth export` + `lth infer` reproduce a run's test accuracy.
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
import { exportSparseModel, mlpLayers, sparseLayers } from '../../src/infer/export.ts';
import { type SparseModelSpec, decodeSparseModel, encodeSparseModel } from '../../src/infer/format.ts';
import { DENSE_ABOVE, SparseModel, loadSparseModel } from '../../src/infer/sparse-model.ts';
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
  back.layers.forEach((l, i) => {
    assert.equal([l.name, l.inFeatures, l.outFeatures, l.relu], [spec.layers[i].name, spec.layers[i].inFeatures, spec.layers[i].outFeatures, spec.layers[i].relu]);
    assert.equal(Array.from(l.colIdx), Array.from(spec.layers[i].colIdx));
    assert.equal(Array.from(l.values), Array.from(spec.layers[i].values));
  });
  const bad = (edit: (s: SparseModelSpec) => void, pattern: RegExp) => {
    const s = structuredClone(spec);
    edit(s);
    assert.throws(() => decodeSparseModel(encodeSparseModel(s)), (e: Error) => e instanceof UserError && pattern.test(e.message));
  };
  bad((s) => (s.layers[0].colIdx[0] = 784), /col_idx\[0\] = 784/);
  bad((s) => (s.layers[1].rowPtr[3] = s.layers[1].rowPtr[2] - 1), /decreases|out of range/);
  bad((s) => (s.layers[2].inFeatures = 19), /does not take/);
  bad((s) => (s.layers[0].values = s.layers[0].values.subarray(1)), /values length/);
  assert.throws(() => decodeSparseModel(encodeSparseModel(spec).subarray(0, 100)), (e: Error) => e instanceof UserError);
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

test.run();

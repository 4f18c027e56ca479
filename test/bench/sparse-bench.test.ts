// The sparse benchmark runs end to end and reports the JSON fields with sane values
// (one density, one burst, no tfjs: a smoke test, not a measurement).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSparseBench } from '../../bench/sparse.ts';
import { CONV2 } from '../../bench/sparse-setup.ts';
import { runConvBench } from '../../bench/sparse-conv.ts';

test('runSparseBench: one row per density with times, speedups, the ideal and the kernel choices', async () => {
  const rows = await runSparseBench({ densities: [0.05], rounds: 1, tfjs: false, warmupMs: 0 });
  assert.is(rows.length, 1);
  const r = rows[0];
  assert.is(r.density, 0.05);
  assert.is(r.net, 'lenet300');
  assert.ok(r.outputDensity > 0.05 && r.outputDensity < 0.3, `output layer pruned at half rate: ${r.outputDensity}`);
  assert.ok(Math.abs(r.ideal - 1 / r.overallDensity) < 1e-9);
  for (const k of ['trainSpeedup', 'trainSpeedupForced', 'inferSpeedupBatch1', 'inferSpeedupBatch60'] as const) assert.ok(r[k] > 0, `${k} = ${r[k]}`);
  for (const t of [r.trainMs, r.inferMsBatch1, r.inferMsBatch60]) {
    assert.ok(t.sparse > 0 && t.dense > 0);
    assert.is(t.tfjs, null);
  }
  assert.equal(Object.keys(r.kernels), ['fc1', 'fc2', 'fc3']);
  assert.is(JSON.parse(JSON.stringify({ rows })).rows[0].density, 0.05);
});

test('runSparseBench on Conv-2 (small images): every layer at the density, conv layers in the kernel choices', async () => {
  const rows = await runSparseBench({ densities: [0.1], rounds: 1, tfjs: false, warmupMs: 0 }, { ...CONV2, inputShape: [3, 8, 8] });
  const r = rows[0];
  assert.equal([r.net, r.density, r.outputDensity], ['conv2', 0.1, 0.1]);
  assert.ok(Math.abs(r.overallDensity - 0.1) < 0.01 && Math.abs(r.ideal - 1 / r.overallDensity) < 1e-9);
  for (const t of [r.trainMs, r.inferMsBatch1, r.inferMsBatch60]) assert.ok(t.sparse > 0 && t.dense > 0);
  assert.equal(Object.keys(r.kernels), ['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
});

test('runConvBench: single-layer rows with sparse and dense times, speedups and the ideal (small layer)', async () => {
  const calls: number[] = [];
  const time = (tasks: (() => unknown)[]) => tasks.map((t) => {
    const t0 = performance.now();
    t();
    const ms = performance.now() - t0;
    calls.push(ms);
    return ms;
  });
  const layer = { n: 2, c: 4, h: 6, w: 5, cout: 3, k: 3 };
  const rows = await runConvBench([1, 0.25], time, layer);
  assert.is(rows.length, 2);
  assert.is(calls.length, 8);
  rows.forEach((r, i) => {
    assert.is(r.net, 'conv2-layer');
    assert.equal(r.layer, layer);
    assert.is(r.density, [1, 0.25][i]);
    assert.ok(Math.abs(r.ideal - 108 / Math.round(r.density * 108)) < 1e-9, `ideal ${r.ideal}`);
    for (const t of [r.trainMs, r.inferMs]) assert.ok(t.sparse > 0 && t.dense > 0);
    assert.ok(Math.abs(r.trainSpeedup - r.trainMs.dense / r.trainMs.sparse) < 1e-9);
    assert.ok(Math.abs(r.inferSpeedup - r.inferMs.dense / r.inferMs.sparse) < 1e-9);
  });
});

test.run();

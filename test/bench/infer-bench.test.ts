// `lth bench infer` runs end to end (a smoke test, not a measurement): one row per (model,
// density, batch) with every runtime's ms and speedups that are the ratios of those ms; and
// the shared statistic of bench/timing.ts (median of interleaved batch means, async tasks awaited).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runInferBench } from '../../bench/infer.ts';
import { CONV2 } from '../../bench/sparse-setup.ts';
import { interleavedMedian, median } from '../../bench/timing.ts';

test('runInferBench: LeNet rows for batch 1 and 60 with lth sparse / dense, onnxruntime-web / -node; Conv-2 too', async () => {
  const rows = await runInferBench({ densities: [0.1], rounds: 1, tfjs: false, warmupMs: 0 });
  assert.equal(rows.map((r) => [r.net, r.density, r.batch]), [['lenet300', 0.1, 1], ['lenet300', 0.1, 60]]);
  for (const r of rows) {
    assert.ok(r.overallDensity > 0.1 && r.overallDensity < 0.12, `output layer denser: ${r.overallDensity}`);
    assert.ok(r.ms.lthSparse > 0 && r.ms.lthDense > 0 && r.ms.ortWeb > 0);
    assert.is(r.ms.tfjsWasm, null);
    assert.ok(Math.abs(r.speedup.sparseVsOrtWeb - r.ms.ortWeb / r.ms.lthSparse) < 1e-12);
    assert.ok(Math.abs(r.speedup.denseVsOrtWeb - r.ms.ortWeb / r.ms.lthDense) < 1e-12);
    if (r.ms.ortNode !== null) assert.ok(Math.abs(r.speedup.sparseVsOrtNode! - r.ms.ortNode / r.ms.lthSparse) < 1e-12);
  }
  const conv = await runInferBench({ densities: [0.5], rounds: 1, tfjs: false, warmupMs: 0 }, { ...CONV2, inputShape: [3, 8, 8] });
  assert.equal(conv.map((r) => [r.net, r.batch]), [['conv2', 1], ['conv2', 60]]);
});

test('interleavedMedian: the median of per-round batch means, tasks in turn, promises awaited', async () => {
  assert.is(median([5, 1, 3]), 3);
  assert.is(median([4, 1, 3, 2]), 2.5);
  const order: string[] = [];
  let pending = 0;
  const ms = await interleavedMedian([
    () => order.push('a'),
    async () => {
      pending++;
      await new Promise((r) => setTimeout(r, 2));
      pending--;
      order.push('b');
    },
  ], { rounds: 3, batchMs: 0.001, warmup: 1, warmupMs: 0 });
  assert.is(pending, 0, 'every promise settled before the next call');
  assert.is(order.slice(-6).join(''), 'ababab', 'one call per batch, tasks taking turns');
  assert.ok(ms[1] >= 1.5 && ms[0] < ms[1], `${ms}`);
});

test.run();

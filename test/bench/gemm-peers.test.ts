// `lth bench gemm` smoke test: every LeNet shape with lth, tfjs's transposed path and its NN
// route, GFLOP/s from one statistic and ratios that are theirs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runGemmPeerBench } from '../../bench/gemm-peers.ts';
import { LENET_GEMM_SHAPES } from '../../bench/kernels.ts';

test('runGemmPeerBench: a row per shape with both tfjs routes', async () => {
  const rows = await runGemmPeerBench({ rounds: 1, seconds: 0.001, warmupMs: 0 });
  assert.is(rows.length, LENET_GEMM_SHAPES.length);
  for (const r of rows) {
    assert.ok(r.lthGflops > 0 && r.tfjsGflops > 0 && r.tfjsNnGflops > 0, r.shape);
    assert.ok(Math.abs(r.ratio - r.lthGflops / r.tfjsGflops) < 1e-9 && Math.abs(r.ratioNn - r.lthGflops / r.tfjsNnGflops) < 1e-9, r.shape);
  }
});

test.run();

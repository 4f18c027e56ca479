import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CASES, gemmCase, runThreadsBench, thresholdCases } from '../../bench/threads.ts';

// What the machine's load may change (times, cores) is only bounded; whether the pool's threads
// took part is not load-dependent: a split GEMM hands its shares to the pool, and over ~100 calls
// the other thread runs some of them however busy the machine is (it only has to wake once
// within a call); an op below the thresholds never reaches the pool.
test('runThreadsBench: one row per case, { what, threads1, threadsN, speedup, coresN, pooledN } with speedup = threads1 / threadsN', async () => {
  const r = await runThreadsBench({ threads: 2, rounds: 3, batchMs: 20, cases: [gemmCase('nt', 60, 300, 784), gemmCase('nn', 5, 3, 17)] });
  assert.is(r.threads, 2);
  assert.equal(r.rows.map((x) => x.what), ['GEMM 60x784x300 NT', 'GEMM 5x17x3 NN']);
  for (const x of r.rows) {
    assert.ok(x.threads1 > 0 && x.threadsN > 0, x.what);
    assert.ok(Math.abs(x.speedup - x.threads1 / x.threadsN) < 1e-12, x.what);
    // CPU over wall of whole batches: at most the 2 threads plus V8's own helper threads
    assert.ok(x.coresN > 0 && x.coresN < 3, `${x.what}: ${x.coresN} cores`);
  }
  const [big, tiny] = r.rows;
  assert.ok(big.pooledN > 0 && big.pooledN <= 1, `the split GEMM: ${big.pooledN} of its shares on the pool thread`);
  assert.is(tiny.pooledN, 0, 'the 5x17x3 GEMM stays on the calling thread');
});

test("the issue's rows and the threshold cases", () => {
  assert.equal(CASES.map((c) => c.what), [
    'LeNet-300-100 training step (batch 60)',
    'Conv-2 training step (3x32x32, batch 60)',
    'GEMM 60x784x300 NT',
    'LeNet-300-100 evaluation (batch 1000)',
    'LeNet-300-100 sparse training step (10% density)',
  ]);
  assert.ok(thresholdCases().length >= 8);
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runConvBench } from '../../bench/conv.ts';

test('runConvBench returns lth-vs-tfjs rows (both tfjs routes, and the js reference)', async () => {
  const shape = { batch: 2, inChannels: 3, size: 6, outChannels: 4, kernel: 3, role: 'tiny' };
  const rows = await runConvBench({ shapes: [shape], rounds: 1, tfjsSeconds: 0.01 });
  assert.is(rows.length, 3);
  assert.match(rows[0].name, /tiny 2x3x6x6 -> 4, 3x3: lth wasm vs tfjs \(tf\.grads kernels\)/);
  assert.match(rows[2].name, /js reference/);
  for (const r of rows) {
    assert.ok(r.lthMs > 0 && r.tfjsMs > 0, r.name);
    assert.ok(Math.abs(r.ratio - r.tfjsMs / r.lthMs) < 1e-12, 'ratio is tfjs / lth');
  }
  assert.is((await runConvBench({ shapes: [shape], rounds: 1, tfjsSeconds: 0.01, js: false })).length, 2);
});

test.run();

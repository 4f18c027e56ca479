import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import { loadEmbeddedMnist } from '../../src/data/mnist-embedded.ts';
import { WEB_IMP_DEFAULTS, type WebImpEvent, runWebImp } from '../../src/web/imp.ts';

test('runWebImp: dense round, then pruned tickets (20% hidden / 10% output) and reinit controls', async () => {
  const b = await createBackend('wasm');
  const data = await loadEmbeddedMnist();
  const loop = runWebImp(b, data, { ...WEB_IMP_DEFAULTS, rounds: 2, iterations: 30, evalEvery: 10 });
  const events: WebImpEvent[] = [];
  let next = loop.next();
  while (!next.done) {
    events.push(next.value);
    next = loop.next();
  }
  const { results, masks, shapes } = next.value;
  assert.equal(results.map((r) => `${r.round}/${r.branch}`), ['0/ticket', '1/ticket', '1/reinit', '2/ticket', '2/reinit']);
  // 784*300 + 300*100 + 100*10 weights; round 1 keeps 80% of the hidden ones and 90% of the output's
  const total = 784 * 300 + 300 * 100 + 100 * 10;
  const r1 = (0.8 * (784 * 300 + 300 * 100) + 0.9 * 1000) / total;
  assert.ok(Math.abs(results[1].weightsRemaining - 100 * r1) < 1e-9, String(results[1].weightsRemaining));
  assert.equal(results[2].weightsRemaining, results[1].weightsRemaining);
  assert.ok(results[3].weightsRemaining < results[1].weightsRemaining);
  for (const r of results) {
    assert.equal(r.evals.map((e) => e.iteration), [10, 20, 30]);
    assert.ok(r.testAccuracyAtEarlyStop > 0.3, `${r.round}/${r.branch}: ${r.testAccuracyAtEarlyStop}`);
  }
  assert.equal(shapes['fc3.weight'], [10, 100]);
  const ones = masks['fc3.weight'].reduce((a, v) => a + v, 0);
  assert.equal(ones, 810); // 1000 -> 900 -> 810
  assert.equal(events.filter((e) => e.kind === 'round').length, 5);
  assert.equal(events.filter((e) => e.kind === 'eval').length, 15);
});

test.run();

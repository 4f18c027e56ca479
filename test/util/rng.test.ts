import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../src/util/rng.ts';

test('same seed and label give the same stream', () => {
  const a = new Rng(7, 'init');
  const b = new Rng(7, 'init');
  for (let i = 0; i < 100; i++) assert.is(a.nextU32(), b.nextU32());
});

test('labels and seeds give different streams', () => {
  assert.is.not(new Rng(7, 'init').nextU32(), new Rng(7, 'shuffle').nextU32());
  assert.is.not(new Rng(7, 'init').nextU32(), new Rng(8, 'init').nextU32());
});

test('uniform in [0,1) with mean near 1/2; normal has mean 0, variance 1', () => {
  const r = new Rng(1);
  let s = 0;
  let sn = 0;
  let sn2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const u = r.next();
    assert.ok(u >= 0 && u < 1);
    s += u;
    const z = r.normal();
    sn += z;
    sn2 += z * z;
  }
  assert.ok(Math.abs(s / n - 0.5) < 0.01);
  assert.ok(Math.abs(sn / n) < 0.03);
  assert.ok(Math.abs(sn2 / n - 1) < 0.05);
});

test('shuffle is a permutation', () => {
  const a = Int32Array.from({ length: 17 }, (_, i) => i);
  new Rng(3).shuffle(a);
  assert.equal(Array.from(a).sort((x, y) => x - y), Array.from({ length: 17 }, (_, i) => i));
});

test.run();

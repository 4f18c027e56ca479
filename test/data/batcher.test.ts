import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Batcher, DEFAULT_BATCH_SIZE, evalBatches } from '../../src/data/batcher.ts';
import type { Split } from '../../src/data/dataset.ts';
import { UserError } from '../../src/util/errors.ts';
import { Rng } from '../../src/util/rng.ts';

/** n examples of 2 features [i, -i], label i mod 10: every row says which example it is. */
function split(n: number): Split {
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
  }
  return { x, y: Float32Array.from({ length: n }, (_, i) => i % 10), n };
}

/** The example indices of the next `iters` batches, batch by batch, checking row integrity. */
function take(b: Batcher, iters: number): { ids: number[][]; epochs: number[] } {
  const ids: number[][] = [];
  const epochs: number[] = [];
  for (let it = 0; it < iters; it++) {
    const batch = b.next();
    const row: number[] = [];
    for (let i = 0; i < batch.n; i++) {
      const id = batch.x[2 * i];
      assert.is(batch.x[2 * i + 1], -id);
      assert.is(batch.y[i], id % 10);
      row.push(id);
    }
    ids.push(row);
    epochs.push(batch.epoch);
  }
  return { ids, epochs };
}

test('each epoch is a permutation with the last partial batch dropped', () => {
  const b = new Batcher(split(10), 3, new Rng(1));
  assert.is(b.iterationsPerEpoch, 3);
  const { ids, epochs } = take(b, 9);
  assert.equal(epochs, [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  for (let e = 0; e < 3; e++) {
    const seen = ids.slice(3 * e, 3 * e + 3).flat();
    assert.is(new Set(seen).size, 9);
    assert.equal(seen, Array.from(b.epochOrder(e).subarray(0, 9)));
    for (const id of seen) assert.ok(id >= 0 && id < 10 && Number.isInteger(id));
  }
});

test('same seed, same order; different epochs and seeds differ', () => {
  const a = take(new Batcher(split(100), 10, new Rng(7, 'data')), 30).ids.flat();
  const b = take(new Batcher(split(100), 10, new Rng(7, 'data')), 30).ids.flat();
  const c = take(new Batcher(split(100), 10, new Rng(8, 'data')), 30).ids.flat();
  assert.equal(a, b);
  assert.not.equal(a, c);
  assert.not.equal(a.slice(0, 100), a.slice(100, 200));
  assert.not.equal(a.slice(100, 200), a.slice(200, 300));
  // an epoch is shuffled, not the identity
  assert.not.equal(a.slice(0, 100), Array.from({ length: 100 }, (_, i) => i));
});

test('the caller rng is not advanced', () => {
  const rng = new Rng(3);
  take(new Batcher(split(50), 5, rng), 25);
  assert.is(rng.nextU32(), new Rng(3).nextU32());
});

test('x/y are reused buffers of constant size', () => {
  const b = new Batcher(split(25), 4, new Rng(2));
  const first = b.next();
  const second = b.next();
  assert.is(first.x, second.x);
  assert.is(first.y, second.y);
  assert.is(second.x.length, 8);
  for (let i = 0; i < 20; i++) assert.is(b.next().n, 4);
});

test('seek(k) continues exactly like k calls of next()', () => {
  const s = split(23);
  const ref = take(new Batcher(s, 4, new Rng(9)), 20);
  for (const k of [0, 3, 5, 11, 17]) {
    const b = new Batcher(s, 4, new Rng(9));
    b.seek(k);
    const got = take(b, 20 - k);
    assert.equal(got.ids, ref.ids.slice(k), `seek(${k})`);
    assert.equal(got.epochs, ref.epochs.slice(k));
  }
});

test('bad batch sizes are user errors; the default is the paper\'s 60', () => {
  assert.is(DEFAULT_BATCH_SIZE, 60);
  assert.is(new Batcher(split(120), undefined, new Rng(0)).iterationsPerEpoch, 2);
  assert.throws(() => new Batcher(split(5), 6, new Rng(0)), (e: unknown) => e instanceof UserError && /6.*5 examples/.test((e as Error).message));
  assert.throws(() => new Batcher(split(5), 0, new Rng(0)), (e: unknown) => e instanceof UserError);
  assert.throws(() => new Batcher(split(5), 2.5, new Rng(0)), (e: unknown) => e instanceof UserError);
});

test('evalBatches: consecutive views, short last batch, no copies', () => {
  const s = split(10);
  const batches = [...evalBatches(s, 4)];
  assert.equal(batches.map((b) => b.n), [4, 4, 2]);
  assert.equal(Array.from(batches[2].x), [8, -8, 9, -9]);
  assert.equal(Array.from(batches[1].y), [4, 5, 6, 7]);
  for (const b of batches) {
    assert.is(b.x.buffer, s.x.buffer);
    assert.is(b.y.buffer, s.y.buffer);
  }
  assert.equal([...evalBatches(s, 10)].map((b) => b.n), [10]);
  assert.equal([...evalBatches(s, 1000)].map((b) => b.n), [10]);
  assert.throws(() => [...evalBatches(s, 0)], (e: unknown) => e instanceof UserError);
});

test.run();

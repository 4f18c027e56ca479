import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { augmentBatch, augmentExample, drawAugmentation, type AugmentParams } from '../../src/data/augment.ts';
import { Batcher } from '../../src/data/batcher.ts';
import type { Split } from '../../src/data/dataset.ts';
import { Rng } from '../../src/util/rng.ts';
import { throwsUser } from '../fixtures/user-error.ts';

/** An image of `shape` whose every pixel is distinct and non-zero: 1 + flat index. */
function image(shape: number[]): Float32Array {
  return Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, (_, k) => 1 + k);
}

/** The definition, written naively: pad with zeros, crop at (dy, dx), then mirror. */
function reference(src: Float32Array, [ch, h, w]: number[], crop: number, p: AugmentParams): Float32Array {
  const pw = w + 2 * crop;
  const ph = h + 2 * crop;
  const padded = new Float32Array(ch * ph * pw);
  for (let c = 0; c < ch; c++)
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) padded[(c * ph + i + crop) * pw + j + crop] = src[(c * h + i) * w + j];
  const out = new Float32Array(ch * h * w);
  for (let c = 0; c < ch; c++)
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const jj = p.flip ? w - 1 - j : j;
        out[(c * h + i) * w + j] = padded[(c * ph + i + p.dy) * pw + jj + p.dx];
      }
  return out;
}

function apply(src: Float32Array, shape: number[], crop: number, p: AugmentParams): Float32Array {
  const dst = new Float32Array(src.length).fill(NaN); // NaN shows any pixel left unwritten
  augmentExample(src, 0, shape, crop, p, dst, 0);
  return dst;
}

test('flip mirrors each row, and flipping twice is the identity', () => {
  const shape = [2, 3, 4];
  const img = image(shape);
  const once = apply(img, shape, 0, { dy: 0, dx: 0, flip: true });
  assert.equal(Array.from(once.subarray(12, 16)), [16, 15, 14, 13]); // channel 1, row 0 reversed
  assert.equal(Array.from(apply(once, shape, 0, { dy: 0, dx: 0, flip: true })), Array.from(img));
  assert.equal(Array.from(apply(img, shape, 2, { dy: 2, dx: 2, flip: false })), Array.from(img));
});

test('offset (pad, 2*pad) shifts left: the right border is zero padding', () => {
  const shape = [1, 4, 6];
  const img = image(shape);
  const out = apply(img, shape, 2, { dy: 2, dx: 4, flip: false });
  for (let i = 0; i < 4; i++) {
    assert.equal(Array.from(out.subarray(i * 6, i * 6 + 6)), [...Array.from(img.subarray(i * 6 + 2, i * 6 + 6)), 0, 0], `row ${i}`);
  }
  // dy = 0 shifts down: the top two rows are padding, row 2 is the original row 0
  const down = apply(img, shape, 2, { dy: 0, dx: 2, flip: false });
  assert.equal(Array.from(down.subarray(0, 12)), new Array(12).fill(0));
  assert.equal(Array.from(down.subarray(12, 18)), Array.from(img.subarray(0, 6)));
  // flipped after the crop: the padding ends up on the left
  const flipped = apply(img, shape, 2, { dy: 2, dx: 4, flip: true });
  assert.equal(Array.from(flipped.subarray(0, 6)), [0, 0, 6, 5, 4, 3]);
});

test('matches the pad-crop-flip definition at every offset, non-square, several channels', () => {
  const shape = [2, 5, 7];
  const img = image(shape);
  for (const crop of [0, 1, 3, 5])
    for (let dy = 0; dy <= 2 * crop; dy++)
      for (let dx = 0; dx <= 2 * crop; dx++)
        for (const flip of [false, true]) {
          const p = { dy, dx, flip };
          assert.equal(Array.from(apply(img, shape, crop, p)), Array.from(reference(img, shape, crop, p)), JSON.stringify({ crop, ...p }));
        }
});

test('drawn offsets cover [0, 2*pad] and stay in it; flips are about half', () => {
  const rng = new Rng(11);
  const dys = new Set<number>();
  const dxs = new Set<number>();
  let flips = 0;
  for (let k = 0; k < 2000; k++) {
    const p = drawAugmentation(rng, { crop: 4, flip: true });
    assert.ok(Number.isInteger(p.dy) && p.dy >= 0 && p.dy <= 8 && Number.isInteger(p.dx) && p.dx >= 0 && p.dx <= 8);
    dys.add(p.dy);
    dxs.add(p.dx);
    if (p.flip) flips++;
  }
  assert.is(dys.size, 9);
  assert.is(dxs.size, 9);
  assert.ok(flips > 900 && flips < 1100, `${flips} flips of 2000`);
  const before = new Rng(3);
  assert.equal(drawAugmentation(before, {}), { dy: 0, dx: 0, flip: false });
  assert.is(before.nextU32(), new Rng(3).nextU32(), 'no options: no draws');
});

test('augmentBatch: per-example choices, deterministic per seed', () => {
  const shape = [3, 6, 6];
  const n = 8;
  const x = Float32Array.from({ length: n * 108 }, (_, k) => 1 + k);
  const run = (seed: number) => {
    const out = new Float32Array(n * 108);
    const params = augmentBatch(x, n, shape, new Rng(seed), { crop: 2, flip: true }, out);
    return { out, params };
  };
  const a = run(1);
  assert.equal(Array.from(run(1).out), Array.from(a.out));
  assert.not.equal(Array.from(run(2).out), Array.from(a.out));
  assert.ok(new Set(a.params.map((p) => JSON.stringify(p))).size > 1, 'examples get their own choices');
  for (let i = 0; i < n; i++) {
    const want = reference(x.subarray(i * 108, (i + 1) * 108), shape, 2, a.params[i]);
    assert.equal(Array.from(a.out.subarray(i * 108, (i + 1) * 108)), Array.from(want));
  }
  throwsUser(() => augmentBatch(x, n, shape, new Rng(0), { crop: -1 }, new Float32Array(n * 108)), ['crop', '-1']);
  throwsUser(() => augmentBatch(x, n, shape, new Rng(0), { crop: 1.5 }, new Float32Array(n * 108)), ['1.5']);
  throwsUser(() => augmentBatch(x, 1, [108], new Rng(0), { flip: true }, new Float32Array(108)), ['[108]']);
  assert.throws(() => augmentBatch(x, 4, shape, new Rng(0), {}, x.subarray(54)), /overlap/);
  augmentBatch(x, 4, shape, new Rng(0), {}, x.subarray(432)); // adjacent halves of one buffer are fine
  assert.throws(() => augmentBatch(x, n, shape, new Rng(0), {}, new Float32Array(10)), /need 864/);
});

// Batcher: example i of [3, 8, 8] has pixels 1000 i + 1 + flat index, label i mod 10, so any
// non-zero pixel of an augmented row tells which example it came from.
const BSHAPE = [3, 8, 8];
const bsplit = (n: number): Split => ({
  x: Float32Array.from({ length: n * 192 }, (_, k) => 1000 * Math.floor(k / 192) + 1 + (k % 192)),
  y: Float32Array.from({ length: n }, (_, i) => i % 10),
  n,
});

/** Per batch: the source id of each row (checking the row has a single source) and the raw x. */
function takeAugmented(b: Batcher, iters: number): { ids: number[]; xs: number[][] } {
  const ids: number[] = [];
  const xs: number[][] = [];
  for (let it = 0; it < iters; it++) {
    const batch = b.next();
    for (let i = 0; i < batch.n; i++) {
      const row = batch.x.subarray(i * 192, (i + 1) * 192);
      const sources = new Set(Array.from(row, (v) => (v === 0 ? -1 : Math.floor((v - 1) / 1000))).filter((s) => s >= 0));
      assert.is(sources.size, 1);
      const id = [...sources][0];
      assert.is(batch.y[i], id % 10, 'label stays with its image');
      ids.push(id);
    }
    xs.push(Array.from(batch.x));
  }
  return { ids, xs };
}

test('Batcher with augmentation: same order as without, labels aligned, images changed', () => {
  const s = bsplit(30);
  const plain = new Batcher(s, 6, new Rng(4));
  const aug = new Batcher(s, 6, new Rng(4), { augment: { crop: 2, flip: true, shape: BSHAPE } });
  const got = takeAugmented(aug, 12);
  const ref: number[] = [];
  let changed = 0;
  for (let it = 0; it < 12; it++) {
    const batch = plain.next();
    for (let i = 0; i < 6; i++) ref.push(Math.floor((batch.x[i * 192] - 1) / 1000));
    if (got.xs[it].some((v, k) => v !== batch.x[k])) changed++;
  }
  assert.equal(got.ids, ref);
  assert.ok(changed >= 11, `${changed} of 12 batches augmented`);
  assert.ok(got.xs.flat().some((v) => v === 0), 'zero padding appears');
});

/** Recovers the crop/flip choices of an augmented [3, 8, 8] row of `bsplit` (crop 2) from its pixels. */
function recover(row: Float32Array): AugmentParams {
  const at = (r: number, col: number): number => {
    const v = row[r * 8 + col];
    return v === 0 ? -1 : (v - 1) % 1000; // source flat index within channel 0
  };
  // Row 4 and columns 3/4 always come from inside the image when |shift| <= 2.
  const a = at(4, 3);
  const b = at(4, 4);
  const flip = b < a;
  const srcRow = Math.floor(a / 8);
  const srcCol = a % 8;
  return { dy: srcRow - 4 + 2, dx: (flip ? srcCol - (7 - 3) : srcCol - 3) + 2, flip };
}

test('Batcher draws iteration t from rng.split(augment-<t>), one draw set per example in row order', () => {
  const s = bsplit(30);
  const rng = new Rng(4);
  const b = new Batcher(s, 6, rng, { augment: { crop: 2, flip: true, shape: BSHAPE } });
  const seen = new Set<string>();
  for (let t = 0; t < 8; t++) {
    const batch = b.next();
    const stream = rng.split(`augment-${t}`);
    for (let i = 0; i < 6; i++) {
      const want = drawAugmentation(stream, { crop: 2, flip: true });
      assert.equal(recover(batch.x.subarray(i * 192, (i + 1) * 192)), want, `iteration ${t} row ${i}`);
      seen.add(JSON.stringify(want));
    }
  }
  assert.ok(seen.size > 20, 'iterations use different streams');
});

test('Batcher augmentation is a function of seed and iteration: repeatable, seekable', () => {
  const s = bsplit(30);
  const opts = { augment: { crop: 2, flip: true, shape: BSHAPE } };
  const ref = takeAugmented(new Batcher(s, 6, new Rng(4), opts), 12).xs;
  assert.equal(takeAugmented(new Batcher(s, 6, new Rng(4), opts), 12).xs, ref);
  assert.not.equal(takeAugmented(new Batcher(s, 6, new Rng(5), opts), 12).xs, ref);
  for (const k of [3, 5, 11]) {
    const b = new Batcher(s, 6, new Rng(4), opts);
    b.seek(k);
    assert.equal(takeAugmented(b, 12 - k).xs, ref.slice(k), `seek(${k})`);
  }
  // two epochs visiting the same example draw different augmentations (per-iteration streams)
  assert.not.equal(ref.slice(0, 5), ref.slice(5, 10));
  throwsUser(() => new Batcher(s, 6, new Rng(0), { augment: { crop: 2, shape: [3, 8, 7] } }), ['[3, 8, 7]', '168', '192']);
  throwsUser(() => new Batcher(s, 6, new Rng(0), { augment: { crop: 9, shape: BSHAPE } }), ['crop', '[0, 8]', '9']);
});

test.run();

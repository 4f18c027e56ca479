import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isGzip, pairIdx, parseIdxImages, parseIdxLabels } from '../../src/data/idx.ts';
import { idxValidationCount } from '../../src/data/idx-dataset.ts';
import { loadIdxDataset } from '../../src/data/idx-file.ts';
import { UserError } from '../../src/util/errors.ts';
import { fixturePixel, idxImages, idxLabels, writeIdxDir } from '../fixtures/idx.ts';

const dirs: string[] = [];
function fixtureDir(opts: { gzip?: boolean; gzipPlainNames?: boolean } = {}): string {
  const dir = writeIdxDir({ train: 36, test: 12, rows: 5, cols: 4, ...opts });
  dirs.push(dir);
  return dir;
}

/** Runs fn, expecting a UserError whose message contains every one of `parts`. */
function throwsUser(fn: () => unknown, parts: string[]): string {
  try {
    fn();
  } catch (e) {
    assert.instance(e, UserError);
    const msg = (e as Error).message;
    for (const p of parts) assert.ok(msg.includes(p), `message ${JSON.stringify(msg)} should contain ${JSON.stringify(p)}`);
    assert.not.match(msg, /\n/);
    return msg;
  }
  assert.unreachable('expected a UserError');
  return '';
}

test('parses an images file and a labels file', () => {
  const img = parseIdxImages(idxImages(3, 2, 5), 'a');
  assert.equal([img.count, img.rows, img.cols, img.pixels.length], [3, 2, 5, 30]);
  assert.is(img.pixels[10], fixturePixel(1, 0));
  assert.is(img.pixels[13], fixturePixel(1, 3));
  assert.equal(Array.from(parseIdxLabels(idxLabels(12), 'b')), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
});

test('pairIdx scales pixels to [0, 1] and checks counts', () => {
  const ex = pairIdx(parseIdxImages(idxImages(2, 1, 3), 'i'), parseIdxLabels(idxLabels(2), 'l'), 'i', 'l');
  assert.is(ex.n, 2);
  assert.ok(Math.abs(ex.x[4] - fixturePixel(1, 1) / 255) < 1e-7);
  assert.equal(Array.from(ex.y), [0, 1]);
  throwsUser(() => pairIdx(parseIdxImages(idxImages(2, 1, 3), 'imgs.idx'), parseIdxLabels(idxLabels(3), 'labs.idx'), 'imgs.idx', 'labs.idx'), [
    'labs.idx',
    'imgs.idx',
    '3 labels',
    '2 images',
  ]);
});

test('gzip is detected by content, and the pure parser refuses it', () => {
  const gz = gzipSync(idxLabels(4));
  assert.ok(isGzip(gz));
  assert.not.ok(isGzip(idxLabels(4)));
  throwsUser(() => parseIdxLabels(gz, 'x.gz'), ['x.gz', 'gzip']);
});

test('wrong magic names the file, expected and found', () => {
  throwsUser(() => parseIdxImages(idxLabels(4), 'labels-as-images'), ['labels-as-images', '0x00000803', '0x00000801']);
  throwsUser(() => parseIdxLabels(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0]), 'junk'), ['junk', 'expected magic 0x00000801', 'got 0x01020304']);
});

test('truncated payload and truncated header are reported with sizes', () => {
  const full = idxImages(3, 4, 4);
  throwsUser(() => parseIdxImages(full.subarray(0, full.length - 5), 'short'), ['short', 'truncated', '3x4x4 = 48', 'has 43']);
  throwsUser(() => parseIdxImages(full.subarray(0, 10), 'tiny'), ['tiny', 'truncated', 'header']);
  const extra = new Uint8Array(full.length + 2);
  extra.set(full);
  throwsUser(() => parseIdxImages(extra, 'long'), ['long', '2 unexpected bytes']);
});

test('validation size follows the paper: 5000 of 60000, 1/12 of small sets', () => {
  assert.is(idxValidationCount(60000), 5000);
  assert.is(idxValidationCount(120000), 5000);
  assert.is(idxValidationCount(36), 3);
});

for (const [label, opts] of [
  ['plain', {}],
  ['gzip (.gz names)', { gzip: true }],
  ['gzip content under plain names', { gzip: true, gzipPlainNames: true }],
] as const) {
  test(`loads a directory: ${label}`, () => {
    const ds = loadIdxDataset(fixtureDir(opts), 'fixture');
    assert.is(ds.name, 'fixture');
    assert.equal(ds.inputShape, [1, 5, 4]);
    assert.is(ds.numClasses, 10);
    assert.equal([ds.train.n, ds.val.n, ds.test.n], [33, 3, 12]);
    assert.is(ds.train.x.length, 33 * 20);
    // train + val partition the train file; recover each row's source index from pixel 0
    const source = (x: Float32Array, i: number) => Math.round(x[i * 20] * 255);
    const seen = [...Array.from({ length: 33 }, (_, i) => source(ds.train.x, i)), ...Array.from({ length: 3 }, (_, i) => source(ds.val.x, i))];
    assert.equal([...seen].sort((a, b) => a - b), Array.from({ length: 36 }, (_, i) => i));
    for (let i = 0; i < 33; i++) assert.is(ds.train.y[i], source(ds.train.x, i) % 10);
    for (let i = 0; i < 12; i++) assert.is(source(ds.test.x, i), 200 + i);
    for (const v of ds.train.x) assert.ok(v >= 0 && v <= 1);
  });
}

test('the validation split is fixed: same files, same split', () => {
  const a = loadIdxDataset(fixtureDir(), 'a');
  const b = loadIdxDataset(fixtureDir({ gzip: true }), 'b');
  assert.equal(Array.from(a.val.x), Array.from(b.val.x));
  assert.equal(Array.from(a.train.y), Array.from(b.train.y));
});

test('missing file names the path and the expected files', () => {
  const dir = fixtureDir();
  unlinkSync(join(dir, 't10k-labels-idx1-ubyte'));
  throwsUser(() => loadIdxDataset(dir, 'x'), [
    join(dir, 't10k-labels-idx1-ubyte'),
    'train-images-idx3-ubyte[.gz]',
    'train-labels-idx1-ubyte[.gz]',
    't10k-images-idx3-ubyte[.gz]',
    't10k-labels-idx1-ubyte[.gz]',
  ]);
  throwsUser(() => loadIdxDataset(join(dir, 'nope'), 'x'), [join(dir, 'nope'), 'does not exist', 't10k-images-idx3-ubyte[.gz]']);
});

test('errors in a directory name the offending file', () => {
  let dir = fixtureDir();
  const trainImages = join(dir, 'train-images-idx3-ubyte');
  writeFileSync(trainImages, idxImages(36, 5, 4).subarray(0, 100));
  throwsUser(() => loadIdxDataset(dir, 'x'), [trainImages, 'truncated', '36x5x4']);

  dir = fixtureDir({ gzip: true });
  const testLabels = join(dir, 't10k-labels-idx1-ubyte.gz');
  writeFileSync(testLabels, gzipSync(idxLabels(11, 200)));
  throwsUser(() => loadIdxDataset(dir, 'x'), [testLabels, '11 labels', join(dir, 't10k-images-idx3-ubyte.gz'), '12 images']);

  dir = fixtureDir({ gzip: true });
  const trainLabels = join(dir, 'train-labels-idx1-ubyte.gz');
  writeFileSync(trainLabels, gzipSync(idxImages(36, 5, 4)));
  throwsUser(() => loadIdxDataset(dir, 'x'), [trainLabels, 'expected magic 0x00000801', 'got 0x00000803']);

  dir = fixtureDir({ gzip: true });
  const gz = gzipSync(idxImages(12, 5, 4, 200));
  const testImages = join(dir, 't10k-images-idx3-ubyte.gz');
  writeFileSync(testImages, gz.subarray(0, gz.length - 20));
  throwsUser(() => loadIdxDataset(dir, 'x'), [testImages, 'gzip']);

  dir = fixtureDir();
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxImages(12, 4, 5, 200));
  throwsUser(() => loadIdxDataset(dir, 'x'), [join(dir, 't10k-images-idx3-ubyte'), '4x5', '5x4']);
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();

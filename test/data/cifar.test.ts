import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildCifar10Dataset,
  CIFAR10_FILES,
  CIFAR10_RECORD_BYTES,
  cifarValidationCount,
  parseCifar10,
} from '../../src/data/cifar.ts';
import { hasCifar10Files, loadCifar10 } from '../../src/data/cifar-file.ts';
import { cifarFixturePixel, cifarRecords, writeCifarDir } from '../fixtures/cifar.ts';
import { throwsUser } from '../fixtures/user-error.ts';

const dirs: string[] = [];
function fixtureDir(perBatch = 6, nTest = 4): string {
  const dir = writeCifarDir(perBatch, nTest);
  dirs.push(dir);
  return dir;
}

/** The source index a fixture row encodes in its red (0, 0) pixel. */
const source = (x: Float32Array, row: number): number => Math.round(x[row * 3072] * 255);

test('record layout: 3073 bytes; every pixel lands at its CHW index, scaled to [0, 1]', () => {
  assert.is(CIFAR10_RECORD_BYTES, 3073);
  const split = parseCifar10(cifarRecords(3, 40), 'f');
  assert.is(split.n, 3);
  assert.is(split.x.length, 3 * 3072);
  assert.equal(Array.from(split.y), [0, 1, 2]);
  for (let i = 0; i < 3; i++) {
    for (let c = 0; c < 3; c++) {
      for (let r = 0; r < 32; r++) {
        for (let col = 0; col < 32; col++) {
          const got = split.x[i * 3072 + c * 1024 + r * 32 + col];
          if (got !== Math.fround(cifarFixturePixel(40 + i, c, r, col) / 255)) {
            assert.unreachable(`record ${i} channel ${c} row ${r} col ${col}: got ${got}`);
          }
        }
      }
    }
  }
});

test('a marked green pixel at row 5, col 7 of record 1 appears only at x[1][1][5][7]', () => {
  const bytes = new Uint8Array(2 * 3073); // all-zero records, label 0
  bytes[3073 + 1 + 1024 + 5 * 32 + 7] = 255;
  const { x } = parseCifar10(bytes, 'marked');
  const hits = [...x.keys()].filter((k) => x[k] !== 0);
  assert.equal(hits, [3072 + 1024 + 5 * 32 + 7]);
  assert.is(x[hits[0]], 1);
});

test('a size that is not a multiple of 3073 names the file, its size and the record size', () => {
  const msg = throwsUser(() => parseCifar10(new Uint8Array(2 * 3073 + 5), 'data_batch_9.bin'), [
    'data_batch_9.bin',
    '6151 bytes',
    '3073',
    '1 label byte + 3x32x32',
    '2 records and 5 extra bytes',
  ]);
  assert.not.ok(msg.includes('label 0'));
  throwsUser(() => parseCifar10(new Uint8Array(0), 'empty.bin'), ['empty.bin', '0 bytes']);
});

test('a label byte above 9 names the file, the record and the value', () => {
  const bytes = cifarRecords(4);
  bytes[2 * 3073] = 10;
  throwsUser(() => parseCifar10(bytes, 'bad-label.bin'), ['bad-label.bin', 'record 2', `offset ${2 * 3073}`, 'label 10', '0-9']);
  bytes[2 * 3073] = 255;
  throwsUser(() => parseCifar10(bytes, 'bad-label.bin'), ['label 255']);
});

test('validation size: 5000 of 50000, a tenth of small sets', () => {
  assert.is(cifarValidationCount(50000), 5000);
  assert.is(cifarValidationCount(200000), 5000);
  assert.is(cifarValidationCount(30), 3);
});

test('loads a directory: five train files -> train + val partition, test_batch -> test', () => {
  const dir = fixtureDir();
  assert.ok(hasCifar10Files(dir));
  const ds = loadCifar10(dir);
  assert.is(ds.name, `cifar10:${dir}`);
  assert.equal(ds.inputShape, [3, 32, 32]);
  assert.is(ds.numClasses, 10);
  assert.equal([ds.train.n, ds.val.n, ds.test.n], [27, 3, 4]);
  const seen = [
    ...Array.from({ length: 27 }, (_, i) => source(ds.train.x, i)),
    ...Array.from({ length: 3 }, (_, i) => source(ds.val.x, i)),
  ];
  // Every one of the 30 records of the five files, each once; train kept in file order.
  assert.equal([...seen].sort((a, b) => a - b), Array.from({ length: 30 }, (_, i) => i));
  const trainIds = seen.slice(0, 27);
  assert.equal(trainIds, [...trainIds].sort((a, b) => a - b));
  for (let i = 0; i < 27; i++) assert.is(ds.train.y[i], source(ds.train.x, i) % 10);
  for (let i = 0; i < 3; i++) assert.is(ds.val.y[i], source(ds.val.x, i) % 10);
  // A row's pixels all come from its source record (not just the marker pixel).
  const id = source(ds.val.x, 2);
  assert.is(ds.val.x[2 * 3072 + 2 * 1024 + 31 * 32 + 30], Math.fround(cifarFixturePixel(id, 2, 31, 30) / 255));
  assert.equal(Array.from({ length: 4 }, (_, i) => source(ds.test.x, i)), [200, 201, 202, 203]);
  assert.ok(ds.description.includes('27 train / 3 val') && ds.description.includes('4 test'));
});

test('the validation split is fixed: same bytes, same split; files of unequal length work', () => {
  const a = loadCifar10(fixtureDir(), 'a');
  const b = loadCifar10(fixtureDir(), 'b');
  assert.equal(Array.from(a.val.y), Array.from(b.val.y));
  assert.equal(Array.from(a.val.x), Array.from(b.val.x));
  const files = [3, 1, 7].map((count, k) => ({ bytes: cifarRecords(count, [0, 3, 4][k]), file: `f${k}` }));
  const ds = buildCifar10Dataset('uneven', files, { bytes: cifarRecords(2, 200), file: 't' });
  assert.equal([ds.train.n, ds.val.n], [10, 1]);
  const ids = [...Array.from({ length: 10 }, (_, i) => source(ds.train.x, i)), source(ds.val.x, 0)];
  assert.equal(ids.sort((p, q) => p - q), Array.from({ length: 11 }, (_, i) => i));
});

test('missing files are named, with the expected layout', () => {
  const dir = fixtureDir();
  unlinkSync(join(dir, 'data_batch_3.bin'));
  unlinkSync(join(dir, 'test_batch.bin'));
  assert.not.ok(hasCifar10Files(dir));
  const msg = throwsUser(() => loadCifar10(dir), [
    join(dir, 'data_batch_3.bin'),
    join(dir, 'test_batch.bin'),
    ...CIFAR10_FILES.train,
    '3073-byte records',
  ]);
  assert.not.ok(msg.includes(join(dir, 'data_batch_2.bin') + ','), 'present files are not reported missing');
  throwsUser(() => loadCifar10(join(dir, 'nope')), [join(dir, 'nope'), 'does not exist', 'data_batch_1.bin', 'test_batch.bin']);
});

test('pointing at the tarball parent suggests the nested directory', () => {
  const parent = mkdtempSync(join(tmpdir(), 'lth-cifar-parent-'));
  dirs.push(parent);
  mkdirSync(join(parent, 'cifar-10-batches-bin'));
  throwsUser(() => loadCifar10(parent), ['data_batch_1.bin', `did you mean ${join(parent, 'cifar-10-batches-bin')}`]);
});

test('a bad file in a directory is named by its path', () => {
  let dir = fixtureDir();
  const batch4 = join(dir, 'data_batch_4.bin');
  writeFileSync(batch4, cifarRecords(6).subarray(0, 6 * 3073 - 1));
  throwsUser(() => loadCifar10(dir), [batch4, `${6 * 3073 - 1} bytes`, '3073']);

  dir = fixtureDir();
  const testFile = join(dir, 'test_batch.bin');
  const bytes = cifarRecords(4, 200);
  bytes[3 * 3073] = 12;
  writeFileSync(testFile, bytes);
  throwsUser(() => loadCifar10(dir), [testFile, 'record 3', 'label 12']);
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();

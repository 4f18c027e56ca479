/**
 * Assembles a Dataset from the four IDX files of an MNIST-style directory. Pure (bytes in,
 * dataset out); idx-file.ts supplies the bytes in Node.
 *
 * The train file is split into train and validation as in the paper (55,000 / 5,000 for
 * MNIST): validation is the last `idxValidationCount(n)` entries of a permutation drawn from
 * `splitSeed` (an experiment passes its base seed, config `valSplit: 'seeded'`), or from a
 * fixed seed when none is given. t10k is the test split, the same for every seed.
 */
import { UserError } from '../util/errors.ts';
import { Rng } from '../util/rng.ts';
import { gatherSplit, type Dataset } from './dataset.ts';
import { pairIdx, parseIdxImages, parseIdxLabels, type IdxExamples } from './idx.ts';

/** File names of an MNIST-style directory, without the optional `.gz`. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Which of the four files a byte array is. */
export type IdxRole = keyof typeof IDX_FILES;

/** The four files' contents (already decompressed) and the names to use in error messages. */
export type IdxBytes = Record<IdxRole, { bytes: Uint8Array; file: string }>;

/** Most validation examples taken from the train file (the paper's 5,000). */
export const IDX_MAX_VALIDATION = 5000;
/** The fixed seed of the train/validation permutation. */
export const IDX_SPLIT_SEED = 20190306;

/** Validation size for a train file of n examples: min(5000, floor(n / 12)); 60,000 gives 5,000. */
export function idxValidationCount(n: number): number {
  return Math.min(IDX_MAX_VALIDATION, Math.floor(n / 12));
}

/**
 * Parses and checks the four files and builds the dataset; `name` becomes `Dataset.name`,
 * `splitSeed` draws the validation examples (undefined: the fixed split).
 */
export function buildIdxDataset(name: string, files: IdxBytes, splitSeed?: number): Dataset {
  const load = (images: IdxRole, labels: IdxRole): IdxExamples =>
    pairIdx(
      parseIdxImages(files[images].bytes, files[images].file),
      parseIdxLabels(files[labels].bytes, files[labels].file),
      files[images].file,
      files[labels].file,
    );
  const trainAll = load('trainImages', 'trainLabels');
  const test = load('testImages', 'testLabels');
  if (trainAll.rows !== test.rows || trainAll.cols !== test.cols) {
    throw new UserError(
      `${files.testImages.file}: images are ${test.rows}x${test.cols} but ${files.trainImages.file} has ` +
        `${trainAll.rows}x${trainAll.cols}; expected the same size`,
    );
  }
  if (trainAll.n < 2) throw new UserError(`${files.trainImages.file}: holds ${trainAll.n} images; expected at least 2`);
  let maxLabel = 0;
  for (const y of [trainAll.y, test.y]) for (let i = 0; i < y.length; i++) maxLabel = Math.max(maxLabel, y[i]);
  const numClasses = Math.max(2, maxLabel + 1);

  const nVal = Math.max(1, idxValidationCount(trainAll.n));
  const rng = splitSeed === undefined ? new Rng(IDX_SPLIT_SEED, 'idx-validation') : new Rng(splitSeed, 'idx-validation/seeded');
  const perm = rng.shuffle(Int32Array.from({ length: trainAll.n }, (_, i) => i));
  const cut = trainAll.n - nVal;
  // Sorted back into file order: the permutation only chooses which examples are held out.
  const trainIdx = perm.slice(0, cut).sort();
  const valIdx = perm.slice(cut).sort();
  const features = trainAll.rows * trainAll.cols;
  const train = gatherSplit(trainAll.x, trainAll.y, features, trainIdx);
  const val = gatherSplit(trainAll.x, trainAll.y, features, valIdx);
  return {
    name,
    inputShape: [1, trainAll.rows, trainAll.cols],
    numClasses,
    train,
    val,
    test: { x: test.x, y: test.y, n: test.n },
    description:
      `${name}: IDX ${trainAll.rows}x${trainAll.cols} images, ${numClasses} classes, ` +
      `${train.n} train / ${val.n} val (${splitSeed === undefined ? 'fixed split' : `split seed ${splitSeed}`} of the train file) / ${test.n} test, pixels in [0, 1]`,
  };
}

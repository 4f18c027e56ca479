/**
 * Dataset types shared by every loader. Pure: no file system, runs anywhere.
 *
 * Inputs are flat float32 rows; `inputShape` says how to read one row (CHW for images, so
 * MNIST is [1, 28, 28]). Labels are class indices stored as floats so that a batch's labels
 * can be handed to a backend buffer without conversion.
 */
import type { Rng } from '../util/rng.ts';

/**
 * One split of a dataset: `n` examples, `x` is n * features row-major, `y` the class index as a
 * float: `labelWidth` labels per example (Dataset.labelWidth, default 1) of which a negative
 * one (-1) is ignored by the loss and the accuracy (masked-language-model targets).
 */
export interface Split {
  x: Float32Array;
  y: Float32Array;
  n: number;
}

/** A loaded dataset: three disjoint splits plus what a model needs to know about its shape. */
export interface Dataset {
  name: string;
  /** Shape of one example, e.g. [1, 28, 28] (channels, height, width). */
  inputShape: number[];
  numClasses: number;
  train: Split;
  val: Split;
  test: Split;
  /** One human-readable line: source, split sizes, preprocessing. */
  description: string;
  /** Labels per example (default 1); more for per-position targets such as masked-token prediction. */
  labelWidth?: number;
  /** Set for token data: rows of x are token ids (as floats), what a text model needs to build its embeddings. */
  text?: TextInfo;
}

/**
 * Token data: each row of x holds `seqLen` token ids ([CLS] first, [PAD] = 0 after the end),
 * then, for masked-language-model data, `maskedPositions` positions (0..seqLen-1) whose
 * original tokens are the example's labels (-1 pads unused slots).
 */
export interface TextInfo {
  vocabSize: number;
  seqLen: number;
  /** Masked-token slots per example (MLM data), 0 for classification. */
  maskedPositions: number;
  /** The token strings by id, for reports and decoding (ids 0..4: [PAD] [UNK] [CLS] [SEP] [MASK]). */
  vocab?: readonly string[];
}

/** Labels per example of a dataset (1 unless it says otherwise). */
export function labelWidth(d: Pick<Dataset, 'labelWidth'>): number {
  return d.labelWidth ?? 1;
}

/** Number of features in one example of the given shape (the product of its dimensions). */
export function featureCount(inputShape: readonly number[]): number {
  let f = 1;
  for (const d of inputShape) f *= d;
  return f;
}

/** Features per example of a split (x.length / n); 0 for an empty split. */
export function splitFeatures(split: Split): number {
  return split.n === 0 ? 0 : split.x.length / split.n;
}

/**
 * Labels per example of a split (y.length / n; 1 for an empty split). Batching reads it from the
 * split, so a split of a dataset with labelWidth K batches K labels per row without being told.
 */
export function splitLabelWidth(split: Split): number {
  return split.n === 0 ? 1 : split.y.length / split.n;
}

/**
 * Gathers the examples at `indices` (in that order) from the rows of `x` (`features` wide) and
 * their labels (`width` per example, default 1) into a new split.
 */
export function gatherSplit(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  features: number,
  indices: ArrayLike<number>,
  width = 1,
): Split {
  const n = indices.length;
  const ox = new Float32Array(n * features);
  const oy = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const src = indices[i] * features;
    const dst = i * features;
    for (let f = 0; f < features; f++) ox[dst + f] = x[src + f];
    for (let k = 0; k < width; k++) oy[i * width + k] = y[indices[i] * width + k];
  }
  return { x: ox, y: oy, n };
}

/** Indices of examples, per split. */
export interface SplitIndices {
  train: Int32Array;
  val: Int32Array;
  test: Int32Array;
}

/**
 * A stratified split of `groups` (each a fresh list of example indices: a class, a corpus group;
 * shuffled in place): each group shuffled by `rng`, its first round(size * testFraction) to test,
 * the next round(size * valFraction) to validation and the rest to training. `seeded`, when
 * given, reshuffles each group's validation+training pool on its own stream, so the test split
 * never depends on it (`rng` makes the same draws either way). Each split is shuffled once more
 * by `rng` at the end, so the groups are interleaved.
 */
export function stratifiedSplit(groups: readonly Int32Array[], testFraction: number, valFraction: number, rng: Rng, seeded: Rng | null): SplitIndices {
  const train: number[] = [];
  const val: number[] = [];
  const test: number[] = [];
  for (const members of groups) {
    const perm = rng.shuffle(members);
    const nTest = Math.round(perm.length * testFraction);
    const nVal = Math.round(perm.length * valFraction);
    test.push(...perm.subarray(0, nTest));
    const pool = seeded === null ? perm.subarray(nTest) : seeded.shuffle(perm.slice(nTest));
    val.push(...pool.subarray(0, nVal));
    train.push(...pool.subarray(nVal));
  }
  return { train: rng.shuffle(Int32Array.from(train)), val: rng.shuffle(Int32Array.from(val)), test: rng.shuffle(Int32Array.from(test)) };
}

/**
 * Counts labels per class in a split: every label slot of every example (one per example for
 * classification); labels outside [0, numClasses), such as the -1 of an unused slot, are ignored.
 */
export function classCounts(split: Split, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < split.y.length; i++) {
    const c = split.y[i];
    if (c >= 0 && c < numClasses) counts[c]++;
  }
  return counts;
}

/** A dataset with shapes but no examples: enough to build a model (benchmarks feed their own batches). */
export function shapeOnlyDataset(inputShape: number[], numClasses: number): Dataset {
  const empty = (): Split => ({ x: new Float32Array(0), y: new Float32Array(0), n: 0 });
  return { name: 'shapes-only', description: 'no examples, shapes only', inputShape, numClasses, train: empty(), val: empty(), test: empty() };
}

/**
 * Seeded mini-batching for training, and consecutive batches for evaluation.
 *
 * Epoch e visits the training examples in a permutation drawn from `rng.split('epoch-<e>')`,
 * so the order of any epoch is a function of the seed and e alone: `seek` can jump to any
 * iteration (e.g. to replay from a rewind point) without drawing the epochs before it.
 * Optional augmentation (augment.ts) draws the batch of global iteration t from
 * `rng.split('augment-<t>')`: also a function of the seed and t alone, and independent of the
 * epoch orders, so turning augmentation on leaves the sequence of examples unchanged.
 */
import { UserError } from '../util/errors.ts';
import type { Rng } from '../util/rng.ts';
import { augmentBatch, checkAugmentOptions, type AugmentOptions } from './augment.ts';
import { featureCount, splitFeatures, splitLabelWidth, type Split } from './dataset.ts';

/** The paper's batch size for LeNet on MNIST. */
export const DEFAULT_BATCH_SIZE = 60;

/** Optional behaviour of a Batcher. */
export interface BatcherOptions {
  /** Augment every training batch: crop padding and/or flip, for images of `shape` ([C, H, W]). */
  augment?: AugmentOptions & { shape: readonly number[] };
}

/**
 * One training batch. `x` and `y` are buffers owned by the Batcher, overwritten by the next call.
 * `y` holds n * labelWidth labels (the split's labels per example, row after row).
 */
export interface Batch {
  x: Float32Array;
  y: Float32Array;
  n: number;
  /** Epoch this batch belongs to, from 0. */
  epoch: number;
}

/**
 * Endless stream of shuffled training batches of constant size. Each epoch is a fresh seeded
 * permutation; consecutive batches take consecutive runs of it; the last partial batch of an
 * epoch is dropped so every batch has exactly `batchSize` rows.
 */
export class Batcher {
  /** Full batches per epoch: floor(n / batchSize). */
  readonly iterationsPerEpoch: number;
  readonly batchSize: number;
  private readonly split: Split;
  private readonly rng: Rng;
  private readonly features: number;
  /** Labels per example (splitLabelWidth). */
  readonly labelWidth: number;
  private readonly perm: Int32Array;
  private readonly xBuf: Float32Array;
  private readonly yBuf: Float32Array;
  /** Augmentation settings and the buffer of un-augmented rows it reads (null: no augmentation). */
  private readonly aug: { opts: NonNullable<BatcherOptions['augment']>; raw: Float32Array } | null = null;
  private epoch = -1;
  private pos = 0;

  /**
   * `rng` is only split, never advanced, so the caller's generator is left untouched.
   * `opts.augment` turns on seeded crop/flip of every training batch (see augment.ts).
   */
  constructor(split: Split, batchSize: number = DEFAULT_BATCH_SIZE, rng: Rng, opts: BatcherOptions = {}) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new UserError(`batch size must be an integer >= 1, got ${batchSize}`);
    }
    if (batchSize > split.n) {
      throw new UserError(`batch size ${batchSize} is larger than the training split (${split.n} examples)`);
    }
    this.split = split;
    this.batchSize = batchSize;
    this.rng = rng;
    this.features = splitFeatures(split);
    this.labelWidth = splitLabelWidth(split);
    this.iterationsPerEpoch = Math.floor(split.n / batchSize);
    this.perm = new Int32Array(split.n);
    this.xBuf = new Float32Array(batchSize * this.features);
    this.yBuf = new Float32Array(batchSize * this.labelWidth);
    if (opts.augment) {
      checkAugmentOptions(opts.augment, opts.augment.shape);
      if (featureCount(opts.augment.shape) !== this.features) {
        throw new UserError(
          `augmentation shape [${opts.augment.shape.join(', ')}] has ${featureCount(opts.augment.shape)} features; ` +
            `the training split has ${this.features}`,
        );
      }
      this.aug = { opts: opts.augment, raw: new Float32Array(batchSize * this.features) };
    }
    this.seek(0);
  }

  /** Positions the stream so that the next batch is the one of 0-based `iteration`. */
  seek(iteration: number): void {
    if (!Number.isInteger(iteration) || iteration < 0) throw new UserError(`cannot seek to iteration ${iteration}`);
    const epoch = Math.floor(iteration / this.iterationsPerEpoch);
    this.startEpoch(epoch);
    this.pos = (iteration - epoch * this.iterationsPerEpoch) * this.batchSize;
  }

  /** The permutation of epoch `epoch` (a fresh array; for inspection and tests). */
  epochOrder(epoch: number): Int32Array {
    const order = Int32Array.from({ length: this.split.n }, (_, i) => i);
    return this.rng.split(`epoch-${epoch}`).shuffle(order);
  }

  /** The next batch; its x/y are reused buffers, valid until the following call. */
  next(): Batch {
    if (this.pos + this.batchSize > this.split.n) this.startEpoch(this.epoch + 1);
    const f = this.features;
    const w = this.labelWidth;
    const { x, y } = this.split;
    const rows = this.aug ? this.aug.raw : this.xBuf;
    for (let i = 0; i < this.batchSize; i++) {
      const src = this.perm[this.pos + i];
      rows.set(x.subarray(src * f, src * f + f), i * f);
      if (w === 1) this.yBuf[i] = y[src];
      else this.yBuf.set(y.subarray(src * w, src * w + w), i * w);
    }
    if (this.aug) {
      const iteration = this.epoch * this.iterationsPerEpoch + this.pos / this.batchSize;
      const rng = this.rng.split(`augment-${iteration}`);
      augmentBatch(this.aug.raw, this.batchSize, this.aug.opts.shape, rng, this.aug.opts, this.xBuf);
    }
    this.pos += this.batchSize;
    return { x: this.xBuf, y: this.yBuf, n: this.batchSize, epoch: this.epoch };
  }

  private startEpoch(epoch: number): void {
    if (epoch !== this.epoch) this.perm.set(this.epochOrder(epoch));
    this.epoch = epoch;
    this.pos = 0;
  }
}

/**
 * Consecutive batches of `batchSize` rows over a split, in order; the last may be shorter; `y`
 * holds n * labelWidth labels (splitLabelWidth). A
 * function gives the size of each batch from its first row, asked just before it is yielded (so
 * a caller can size the next batch by what it measured on the last). The yielded x/y are
 * subarray views into the split (no copies): do not write to them.
 */
export function* evalBatches(split: Split, batchSize: number | ((start: number) => number)): Generator<{ x: Float32Array; y: Float32Array; n: number }> {
  const check = (size: number): number => {
    if (!Number.isInteger(size) || size < 1) throw new UserError(`evaluation batch size must be an integer >= 1, got ${size}`);
    return size;
  };
  if (typeof batchSize === 'number') check(batchSize); // a bad size fails even on an empty split
  const sizeAt = typeof batchSize === 'number' ? () => batchSize : batchSize;
  const f = splitFeatures(split);
  const w = splitLabelWidth(split);
  for (let start = 0; start < split.n; ) {
    const n = Math.min(check(sizeAt(start)), split.n - start);
    yield { x: split.x.subarray(start * f, (start + n) * f), y: split.y.subarray(start * w, (start + n) * w), n };
    start += n;
  }
}

/**
 * Optional standardisation, per feature or per channel. Pure.
 *
 * Statistics come from the training split only, so validation and test stay unseen; they are
 * then applied to all three splits, into new arrays (inputs are never modified: loaders may
 * cache and share datasets). A feature or channel that never varies in training (MNIST's border
 * pixels) is only centred: dividing by a near-zero deviation would blow up any test pixel that
 * does vary there.
 *
 * Per feature suits MLPs on MNIST (the existing default); per channel (one mean/std for all
 * pixels of a channel, as torchvision's Normalize) suits convolutional networks on CIFAR-10,
 * where a per-pixel statistic would break translation invariance.
 */
import { UserError } from '../util/errors.ts';
import { featureCount, type Dataset, type Split } from './dataset.ts';

/** Per-feature mean and standard deviation of a split's inputs. */
export interface FeatureStats {
  mean: Float32Array;
  std: Float32Array;
}

/** Deviations below this are treated as constant features (centred, not scaled). */
export const MIN_STD = 1e-6;

/** Mean and (population) standard deviation of each feature over the rows of `split`. */
export function featureStats(split: Split, features: number): FeatureStats {
  const sum = new Float64Array(features);
  const sumSq = new Float64Array(features);
  for (let i = 0; i < split.n; i++) {
    const row = i * features;
    for (let f = 0; f < features; f++) {
      const v = split.x[row + f];
      sum[f] += v;
      sumSq[f] += v * v;
    }
  }
  const mean = new Float32Array(features);
  const std = new Float32Array(features);
  const n = Math.max(split.n, 1);
  for (let f = 0; f < features; f++) {
    const m = sum[f] / n;
    mean[f] = m;
    std[f] = Math.sqrt(Math.max(sumSq[f] / n - m * m, 0));
  }
  return { mean, std };
}

/** A copy of `split` with each feature mapped to (x - mean) / std (std < MIN_STD: x - mean). */
export function applyStats(split: Split, stats: FeatureStats): Split {
  const features = stats.mean.length;
  const x = new Float32Array(split.x.length);
  const inv = stats.std.map((s) => (s < MIN_STD ? 1 : 1 / s));
  for (let i = 0; i < split.n; i++) {
    const row = i * features;
    for (let f = 0; f < features; f++) x[row + f] = (split.x[row + f] - stats.mean[f]) * inv[f];
  }
  return { x, y: split.y, n: split.n };
}

/** A copy of `ds` standardised per feature with training-split statistics (labels shared). */
export function normalizeDataset(ds: Dataset): Dataset {
  const stats = featureStats(ds.train, featureCount(ds.inputShape));
  return {
    ...ds,
    train: applyStats(ds.train, stats),
    val: applyStats(ds.val, stats),
    test: applyStats(ds.test, stats),
    description: `${ds.description}; standardised per feature (train mean/std)`,
  };
}

/** Per-channel mean and (population) standard deviation over all pixels of the split's rows. */
export function channelStats(split: Split, inputShape: readonly number[]): FeatureStats {
  const [channels, plane] = channelLayout(inputShape);
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  for (let i = 0; i < split.n; i++) {
    for (let c = 0; c < channels; c++) {
      const start = (i * channels + c) * plane;
      // Float64 per row, then into the channel total: 46M float32 adds would lose digits.
      let s = 0;
      let s2 = 0;
      for (let p = start; p < start + plane; p++) {
        const v = split.x[p];
        s += v;
        s2 += v * v;
      }
      sum[c] += s;
      sumSq[c] += s2;
    }
  }
  const count = Math.max(split.n * plane, 1);
  const mean = new Float32Array(channels);
  const std = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = sum[c] / count;
    mean[c] = m;
    std[c] = Math.sqrt(Math.max(sumSq[c] / count - m * m, 0));
  }
  return { mean, std };
}

/** A copy of `split` with channel c mapped to (x - mean[c]) / std[c] (std < MIN_STD: x - mean). */
export function applyChannelStats(split: Split, inputShape: readonly number[], stats: FeatureStats): Split {
  const [channels, plane] = channelLayout(inputShape);
  if (stats.mean.length !== channels) {
    throw new UserError(`channel statistics for ${stats.mean.length} channels applied to shape [${inputShape.join(', ')}]`);
  }
  const x = new Float32Array(split.x.length);
  for (let i = 0; i < split.n; i++) {
    for (let c = 0; c < channels; c++) {
      const m = stats.mean[c];
      const inv = stats.std[c] < MIN_STD ? 1 : 1 / stats.std[c];
      const start = (i * channels + c) * plane;
      for (let p = start; p < start + plane; p++) x[p] = (split.x[p] - m) * inv;
    }
  }
  return { x, y: split.y, n: split.n };
}

/** A copy of `ds` standardised per channel with training-split statistics (labels shared). */
export function normalizeChannels(ds: Dataset): Dataset {
  const stats = channelStats(ds.train, ds.inputShape);
  const fmt = (a: Float32Array): string => Array.from(a, (v) => v.toFixed(3)).join('/');
  return {
    ...ds,
    train: applyChannelStats(ds.train, ds.inputShape, stats),
    val: applyChannelStats(ds.val, ds.inputShape, stats),
    test: applyChannelStats(ds.test, ds.inputShape, stats),
    description: `${ds.description}; standardised per channel (train mean ${fmt(stats.mean)}, std ${fmt(stats.std)})`,
  };
}

/** How `LoadOptions.normalize` standardises: per feature (pixel) or per channel. */
export type NormalizeMode = 'feature' | 'channel';

/**
 * The mode `normalize: true` means for a shape: per channel for images with more than one
 * channel (CIFAR-10), per feature otherwise (MNIST keeps its per-pixel behaviour).
 */
export function defaultNormalizeMode(inputShape: readonly number[]): NormalizeMode {
  return inputShape.length === 3 && inputShape[0] > 1 ? 'channel' : 'feature';
}

/**
 * `ds` standardised in `mode` (true: the shape's default mode), or `ds` itself for false/undefined.
 * Token data (`ds.text` set: rows of token ids and masked positions) is never standardised:
 * any mode but false is refused, since a standardised id no longer names a token.
 */
export function normalizeAs(ds: Dataset, mode: boolean | NormalizeMode | undefined): Dataset {
  if (mode === undefined || mode === false) return ds;
  if (ds.text) {
    throw new UserError(`dataset '${ds.name}' holds token ids, which are never standardised; drop normalize (or set it to false)`);
  }
  const m = mode === true ? defaultNormalizeMode(ds.inputShape) : mode;
  if (m === 'channel') return normalizeChannels(ds);
  if (m === 'feature') return normalizeDataset(ds);
  // Reached only from untyped input (a JSON config): name the bad value and the valid ones.
  throw new UserError(`normalize: ${JSON.stringify(mode)} is not a mode; valid: true, false, 'feature', 'channel'`);
}

/** [channels, pixels per channel] of a [C, H, W] shape; a UserError for any other rank. */
function channelLayout(inputShape: readonly number[]): [number, number] {
  if (inputShape.length !== 3) {
    throw new UserError(`per-channel normalisation needs a [channels, height, width] shape, got [${inputShape.join(', ')}]`);
  }
  return [inputShape[0], inputShape[1] * inputShape[2]];
}

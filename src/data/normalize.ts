/**
 * Optional per-feature standardisation. Pure.
 *
 * Statistics come from the training split only, so validation and test stay unseen; they are
 * then applied to all three splits. A feature that never varies in training (MNIST's border
 * pixels) is only centred: dividing by a near-zero deviation would blow up any test pixel that
 * does vary there.
 */
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

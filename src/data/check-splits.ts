import { UserError } from '../util/errors.ts';
import { featureCount, labelWidth, type Dataset } from './dataset.ts';

/**
 * Rejects a dataset with an empty train, validation or test split, naming the dataset and the
 * split: training on nothing, or early stopping and test accuracy over nothing, gives NaN
 * figures that read as results (an IDX directory whose t10k files hold 0 images). Also rejects
 * a split whose arrays do not hold n rows of the input shape and n * labelWidth labels (a
 * loader's bug, or a labelWidth that does not match the labels).
 */
export function checkSplits(name: string, ds: Dataset): Dataset {
  const features = featureCount(ds.inputShape);
  const width = labelWidth(ds);
  if (!Number.isInteger(width) || width < 1) throw new UserError(`dataset '${name}': labelWidth must be an integer >= 1, got ${width}`);
  for (const split of ['train', 'val', 'test'] as const) {
    const s = ds[split];
    if (s.n === 0) {
      const what = split === 'val' ? 'validation split (held out from the training files)' : `${split} split`;
      throw new UserError(`dataset '${name}': the ${what} is empty (0 examples); give files that hold examples for it`);
    }
    if (s.x.length !== s.n * features || s.y.length !== s.n * width) {
      throw new UserError(
        `dataset '${name}': the ${split} split holds ${s.x.length} inputs and ${s.y.length} labels for ${s.n} examples; ` +
          `expected ${s.n} x ${features} (shape [${ds.inputShape.join(', ')}]) and ${s.n} x ${width} (labelWidth)`,
      );
    }
  }
  return ds;
}

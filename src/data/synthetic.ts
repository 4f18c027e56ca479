/**
 * A generated 10-class problem shaped like MNIST (784 features, [1, 28, 28], values in [0, 1]),
 * for fast tests and demos: no files, milliseconds to build, learnable to high accuracy by a
 * linear model within a few hundred steps.
 *
 * Each class has a prototype image made of a few soft Gaussian blobs; an example is its class
 * prototype translated by up to `shift` pixels, scaled by a random contrast, plus zero-mean
 * pixel noise, clipped to [0, 1]. The shifts keep a linear model below 100% for a while. Classes are balanced
 * (example i of a split has class i mod 10 before the split is shuffled). Everything derives
 * from `seed`, never from Math.random.
 */
import { Rng } from '../util/rng.ts';
import { UserError } from '../util/errors.ts';
import type { Dataset, Split } from './dataset.ts';

/** Knobs of the synthetic dataset; every field has a default. */
export interface SyntheticOptions {
  /** Seed of prototypes and examples (default 0; independent of the experiment seed). */
  seed?: number;
  /** Examples per split (defaults 4000 / 500 / 1000). */
  train?: number;
  val?: number;
  test?: number;
  /** Standard deviation of the zero-mean per-pixel noise (default 0.5). */
  noise?: number;
  /** Largest random translation of the prototype, in pixels, each axis (default 2). */
  shift?: number;
}

/** Defaults of SyntheticOptions. */
export const SYNTHETIC_DEFAULTS: Required<SyntheticOptions> = { seed: 0, train: 4000, val: 500, test: 1000, noise: 0.5, shift: 2 };

const SIDE = 28;
const CLASSES = 10;
const BLOBS = 3;

/** Ten prototype images (784 floats each) of soft blobs, values in [0, 1]. */
export function syntheticPrototypes(rng: Rng): Float32Array[] {
  return Array.from({ length: CLASSES }, () => {
    const img = new Float32Array(SIDE * SIDE);
    for (let b = 0; b < BLOBS; b++) {
      const cy = 5 + rng.next() * 18;
      const cx = 5 + rng.next() * 18;
      const r = 2 + rng.next() * 3;
      for (let yy = 0; yy < SIDE; yy++) {
        for (let xx = 0; xx < SIDE; xx++) {
          const d2 = (yy - cy) ** 2 + (xx - cx) ** 2;
          img[yy * SIDE + xx] += Math.exp(-d2 / (2 * r * r));
        }
      }
    }
    for (let i = 0; i < img.length; i++) img[i] = Math.min(1, img[i]);
    return img;
  });
}

/** Zero-mean noise of unit variance from two uniforms (triangular: 4x cheaper than Box-Muller). */
function unitNoise(rng: Rng): number {
  return (rng.next() + rng.next() - 1) * Math.SQRT2 * Math.sqrt(3);
}

function makeSplit(n: number, protos: Float32Array[], o: Required<SyntheticOptions>, rng: Rng): Split {
  const f = SIDE * SIDE;
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i % CLASSES));
  const x = new Float32Array(n * f);
  const y = new Float32Array(n);
  const span = 2 * o.shift + 1;
  for (let i = 0; i < n; i++) {
    const c = order[i];
    y[i] = c;
    const proto = protos[c];
    const contrast = 0.6 + 0.8 * rng.next();
    const dy = rng.int(span) - o.shift;
    const dx = rng.int(span) - o.shift;
    for (let r = 0; r < SIDE; r++) {
      const sr = r - dy;
      for (let k = 0; k < SIDE; k++) {
        const sk = k - dx;
        const p = sr >= 0 && sr < SIDE && sk >= 0 && sk < SIDE ? proto[sr * SIDE + sk] : 0;
        const v = p * contrast + o.noise * unitNoise(rng);
        x[i * f + r * SIDE + k] = v < 0 ? 0 : v > 1 ? 1 : v;
      }
    }
  }
  return { x, y, n };
}

/** Builds the synthetic dataset (pure, deterministic in `opts`). */
export function makeSyntheticDataset(opts: SyntheticOptions = {}): Dataset {
  const o = { ...SYNTHETIC_DEFAULTS, ...opts };
  for (const k of ['train', 'val', 'test'] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new UserError(`synthetic dataset: ${k} size must be an integer >= 1, got ${o[k]}`);
  }
  if (!(o.noise >= 0)) throw new UserError(`synthetic dataset: noise must be >= 0, got ${o.noise}`);
  if (!Number.isInteger(o.shift) || o.shift < 0 || o.shift > 8) {
    throw new UserError(`synthetic dataset: shift must be an integer in [0, 8], got ${o.shift}`);
  }
  const root = new Rng(o.seed, 'synthetic');
  const protos = syntheticPrototypes(root.split('prototypes'));
  return {
    name: 'synthetic',
    inputShape: [1, SIDE, SIDE],
    numClasses: CLASSES,
    train: makeSplit(o.train, protos, o, root.split('train')),
    val: makeSplit(o.val, protos, o, root.split('val')),
    test: makeSplit(o.test, protos, o, root.split('test')),
    description:
      `synthetic: 10 blob prototypes, shift <= ${o.shift}px, contrast 0.6-1.4, noise ${o.noise} (seed ${o.seed}), ` +
      `${o.train} train / ${o.val} val / ${o.test} test, 784 features in [0, 1]`,
  };
}

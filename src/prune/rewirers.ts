/**
 * Dynamic sparse training methods by name: each builds the rewirer that changes a mask while
 * training. The dynamic branches pick theirs by name; adding a method is one file (under
 * dynamic/) and one entry here.
 */
import type { Rng } from '../util/rng.ts';
import { type Described, describeKeys } from '../util/registry.ts';
import { deepRRewirer } from './dynamic/deep-r.ts';
import type { Rewirer } from './dynamic/rewirer.ts';
import { riglRewirer } from './dynamic/rigl.ts';
import { setRewirer } from './dynamic/set.ts';
import type { Masks } from './masks.ts';

/** The settings the rewirers read (config section `dynamic`). */
export interface RewireSettings {
  /** SET/RigL: rewire every N iterations. */
  interval: number;
  /** SET/RigL: fraction of each layer's active weights dropped and regrown. */
  fraction: number;
  /** DEEP-R: L1 shrinkage strength. */
  deepRAlpha: number;
  /** DEEP-R: temperature of the exploration noise. */
  deepRTemperature: number;
}

/** What a rewirer is built from: the starting mask, the initial weights, the run's length, a generator. */
export interface RewireInput {
  masks: Masks;
  initialWeights: Record<string, Float32Array>;
  /** Training iterations of the piece (RigL stops rewiring at 75% of them). */
  iterations: number;
  rng: Rng;
  settings: RewireSettings;
}

/** One dynamic sparse training method. */
export interface RewireMethod extends Described {
  create(input: RewireInput): Rewirer;
}

// The entries; the registry's keys are their names.
const entries = {
  set: {
    description: 'drop the smallest, regrow at random',
    create: ({ masks, initialWeights, rng, settings: s }) => setRewirer(masks, { interval: s.interval, fraction: s.fraction, rng, initialWeights }),
  },
  rigl: {
    description: 'drop the smallest, regrow by largest gradient, cosine schedule ending at 75% of training',
    create: ({ masks, initialWeights, iterations, settings: s }) => riglRewirer(masks, { interval: s.interval, fraction: s.fraction, endIteration: Math.round(iterations * 0.75), initialWeights }),
  },
  deepR: {
    description: 'sign-constrained, L1 + noise, dormant connections reactivated at random',
    create: ({ masks, rng, settings: s }) => deepRRewirer(masks, { alpha: s.deepRAlpha, temperature: s.deepRTemperature, rng }),
  },
} satisfies Record<string, RewireMethod>;

/** A dynamic sparse training method's name. */
export type RewireName = keyof typeof entries;

/** Every dynamic sparse training method by name, typed by its contract. */
export const rewireMethods: Readonly<Record<RewireName, RewireMethod>> = entries;

/** The methods' names, in registry order. */
export const rewireNames = Object.keys(rewireMethods) as RewireName[];

/** One help line listing each method with what it does. */
export const rewireHelp = describeKeys(rewireMethods);

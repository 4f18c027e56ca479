/**
 * Scorers: how important each weight of a network is (higher = keep), read at its current
 * weights with its masks installed. The pruning-at-initialisation branches pick theirs by name;
 * adding a scorer is one file and one entry here.
 */
import type { Backend } from '../backend/backend.ts';
import type { Rng } from '../util/rng.ts';
import { type Described, describeKeys } from '../util/registry.ts';
import { type ScoreBatch, type ScoredNet, readPrunable } from './at-init/grad.ts';
import { graspScores } from './at-init/grasp.ts';
import { randomScores } from './at-init/random.ts';
import { snipScores } from './at-init/snip.ts';
import { synflowSaliency, synflowScores } from './at-init/synflow.ts';
import { type Scores, magnitudeScores } from './magnitude.ts';
import type { Masks } from './masks.ts';

/** What a scorer may read: the network (masks installed), training batches, the input shape, a generator. */
export interface ScoreInput {
  b: Backend;
  net: ScoredNet;
  /** The installed masks: one score per position of each. */
  masks: Masks;
  /** Training batches of `features`-wide rows; empty unless the scorer `usesData`. */
  batches: readonly ScoreBatch[];
  features: number;
  inputShape: readonly number[];
  rng: Rng;
}

/** One way to score weights. */
export interface Scorer extends Described {
  /** Whether it reads training batches (the caller draws them only then). */
  usesData: boolean;
  /** Scores for every position of every mask; weights and masks are unchanged afterwards. */
  score(input: ScoreInput): Scores;
  /**
   * Iterative scorers prune while they score: the masks at `density` after `iterations`
   * rounds of scoring and pruning. When present it replaces one selection from score().
   */
  pruneTo?(input: ScoreInput, density: number, iterations: number): Masks;
}

// The entries; the registry's keys are their names.
const entries = {
  magnitude: {
    description: '|w| (the IMP criterion)',
    usesData: false,
    score: ({ b, net, masks }) => magnitudeScores(readPrunable(b, net.params), masks),
  },
  random: {
    description: 'uniform random scores (a control that carries no information)',
    usesData: false,
    score: ({ masks, rng }) => randomScores(masks, rng),
  },
  snip: {
    description: 'SNIP connection sensitivity |w · dL/dw|',
    usesData: true,
    score: ({ b, net, batches, features }) => snipScores(b, net, batches, features),
  },
  grasp: {
    description: 'GraSP gradient flow: the Hessian-gradient product w · Hg',
    usesData: true,
    score: ({ b, net, batches, features }) => graspScores(b, net, batches, features),
  },
  synflow: {
    description: 'SynFlow synaptic flow |w · dR/dw| on an all-ones input (data-free; prunes iteratively)',
    usesData: false,
    score: ({ b, net, masks, inputShape }) => synflowSaliency(b, net, inputShape, masks),
    pruneTo: ({ b, net, masks, inputShape }, density, iterations) => synflowScores(b, net, inputShape, density, iterations, { masks, mode: 'global' }),
  },
} satisfies Record<string, Scorer>;

/** A scorer's name. */
export type ScorerName = keyof typeof entries;

/** Every scorer by name, typed by its contract. */
export const scorers: Readonly<Record<ScorerName, Scorer>> = entries;

/** The scorers' names, in registry order. */
export const scorerNames = Object.keys(scorers) as ScorerName[];

/** One help line listing each scorer with what it does. */
export const scorerHelp = describeKeys(scorers);

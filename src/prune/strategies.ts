/**
 * Pruning strategies: how one pruning step spends its rate across layers. The config's
 * `pruning.strategy` accepts exactly these keys; adding a strategy is one entry here.
 */
import { type Described, describeKeys } from '../util/registry.ts';
import { type Scores, pruneGlobal, pruneLayerwise } from './magnitude.ts';
import type { Masks } from './masks.ts';

/** The rates of one pruning step: per prunable parameter (0 = never pruned) and one global rate. */
export interface StepRates {
  perLayer: Record<string, number>;
  global: number;
}

/** A way to remove the lowest-scoring surviving weights at a step's rates. */
export interface PruneStrategy extends Described {
  /** New masks: `masks` less the weights this strategy removes at `rates` (inputs unchanged). */
  prune(scores: Scores, masks: Masks, rates: StepRates): Masks;
}

// The entries; the registry's keys are their names.
const entries = {
  layerwise: {
    description: 'each layer at its own rate (pruning.rates)',
    prune: (scores, masks, rates) => pruneLayerwise(scores, masks, rates.perLayer),
  },
  global: {
    description: 'one threshold across layers at pruning.rate (layers at rate 0 are never pruned)',
    prune: (scores, masks, rates) => pruneGlobal(scores, masks, rates.global, (name) => (rates.perLayer[name] ?? 1) > 0),
  },
} satisfies Record<string, PruneStrategy>;

/** A pruning strategy's name. */
export type StrategyName = keyof typeof entries;

/** Every pruning strategy by name, typed by its contract. */
export const pruneStrategies: Readonly<Record<StrategyName, PruneStrategy>> = entries;

/** The strategies' names, in registry order (the config's valid values). */
export const strategyNames = Object.keys(pruneStrategies) as StrategyName[];

/** One help line listing each strategy with what it does. */
export const strategyHelp = describeKeys(pruneStrategies);

/**
 * IMP pruning schedules: what each round's ticket mask is pruned from. The config's
 * `pruning.schedule` accepts exactly these keys; adding a schedule is one entry here.
 */
import { type Described, describeKeys } from '../util/registry.ts';
import { type Masks, fullMasksLike } from './masks.ts';

/** Prunable weights by parameter name. */
type WeightsByName = Record<string, Float32Array>;

/** What round r prunes: the mask it starts from, the weights whose magnitudes it ranks, and how many rounds' rates at once. */
export interface PrunePlan {
  base: Masks;
  source: WeightsByName;
  steps: number;
}

/** A pruning schedule. */
export interface PruneSchedule extends Described {
  /** The plan of round r >= 1 from round r-1's mask, round r-1's trained ticket and the trained dense network. */
  plan(round: number, prev: Masks, trained: WeightsByName, denseTrained: WeightsByName): PrunePlan;
}

// The entries; the registry's keys are their names.
const entries = {
  iterative: {
    description: 'prune the last round\'s ticket',
    plan: (_round, prev, trained) => ({ base: prev, source: trained, steps: 1 }),
  },
  oneShot: {
    description: 'prune the dense network directly to each round\'s size',
    plan: (round, prev, _trained, denseTrained) => ({ base: fullMasksLike(prev), source: denseTrained, steps: round }),
  },
} satisfies Record<string, PruneSchedule>;

/** A pruning schedule's name. */
export type ScheduleName = keyof typeof entries;

/** Every pruning schedule by name, typed by its contract. */
export const pruneSchedules: Readonly<Record<ScheduleName, PruneSchedule>> = entries;

/** The schedules' names, in registry order (the config's valid values). */
export const scheduleNames = Object.keys(pruneSchedules) as ScheduleName[];

/** One help line listing each schedule with what it does. */
export const scheduleHelp = describeKeys(pruneSchedules);

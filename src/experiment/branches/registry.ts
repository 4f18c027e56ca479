/**
 * The branch registry: every branch an experiment can train, each a spec that describes itself
 * (branches/spec.ts). The config's branch names, its branch sections and their types, `lth
 * config` and the report's labels are all read from here. Adding a branch: one file exporting
 * its spec, and its entry (with the import) in `branchList` below.
 *
 * config.ts imports this module at run time (for the schema), so nothing reachable from here
 * may import config.ts except as `import type` (test/experiment/registry.test.ts checks it).
 */
import type { ExperimentConfig } from '../config.ts';
import { byName } from '../../util/registry.ts';
import { graspBranch, randomInitBranch, snipBranch, synflowBranch } from './at-init.ts';
import { deepRBranch, riglBranch, setBranch } from './dynamic.ts';
import { fineTuneBranch } from './fine-tune.ts';
import { randomPruneBranch, reinitBranch, ticketBranch } from './imp.ts';
import { instabilityBranch } from './instability.ts';
import { mlmTicketBranch } from './mlm-ticket.ts';
import type { AnyBranchSection, AnyBranchSpec, BranchSection } from './spec.ts';

/** Every branch, in the order `lth config` lists them. */
export const branchList = [
  ticketBranch,
  reinitBranch,
  randomPruneBranch,
  instabilityBranch,
  fineTuneBranch,
  snipBranch,
  graspBranch,
  synflowBranch,
  randomInitBranch,
  setBranch,
  riglBranch,
  deepRBranch,
  mlmTicketBranch,
] as const;

type Listed = (typeof branchList)[number];

/** A branch name. */
export type BranchName = Listed['name'];

/** Every branch by name. */
export const branches: Record<BranchName, AnyBranchSpec> = byName<AnyBranchSpec & { name: BranchName }>(branchList, 'branch');

/** The branch names, in registry order. */
export const branchNames: readonly BranchName[] = branchList.map((b) => b.name);

// The settings record each section adds to the config: { fineTune: FineTuneSettings } and so on.
type SectionOf<B> = B extends { readonly section?: infer S } ? Exclude<S, undefined> : never;
type SettingsOf<S> = S extends BranchSection<infer K, infer T> ? { [P in K]: T } : never;
type Intersect<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The config records the branches own, typed from their sections (part of ExperimentConfig). */
export type BranchSettings = Intersect<SettingsOf<SectionOf<Listed>>>;

/** A config section with the branches that read it. */
export interface SectionUse {
  section: AnyBranchSection;
  branches: BranchName[];
}

/**
 * Each branch section once, in registry order, with its readers. Two different sections
 * under one key throw: one would silently shadow the other in the config.
 */
export const branchSections: readonly SectionUse[] = (() => {
  const byKey = new Map<string, SectionUse>();
  for (const b of branchList as readonly AnyBranchSpec[]) {
    if (b.section === undefined) continue;
    const use = byKey.get(b.section.key);
    if (use === undefined) byKey.set(b.section.key, { section: b.section, branches: [b.name as BranchName] });
    else if (use.section !== b.section) throw new Error(`branch '${b.name}' declares its own config section '${b.section.key}', but '${use.branches[0]}' already owns one under that key`);
    else use.branches.push(b.name as BranchName);
  }
  return [...byKey.values()];
})();

/** The branches trained in a round: in round 0 only those that run on the dense network. */
export function branchesOf(cfg: ExperimentConfig, round: number): BranchName[] {
  return round === 0 ? cfg.branches.filter((b) => branches[b].inRoundZero) : cfg.branches;
}

import type { BranchName, ExperimentConfig } from '../config.ts';
import { randomPruneBranch, reinitBranch, ticketBranch } from './imp.ts';
import { instabilityBranch } from './instability.ts';
import { fineTuneBranch } from './fine-tune.ts';
import { atInitBranches } from './at-init.ts';
import { dynamicBranches } from './dynamic.ts';
import type { BranchSpec } from './spec.ts';

/** Every branch by name; typed against the config's list so the two cannot drift. */
export const branches: Record<BranchName, BranchSpec> = {
  ticket: ticketBranch,
  reinit: reinitBranch,
  randomPrune: randomPruneBranch,
  instability: instabilityBranch,
  fineTune: fineTuneBranch,
  ...atInitBranches,
  ...dynamicBranches,
};

/** The branches trained in a round: in round 0 only those that run on the dense network. */
export function branchesOf(cfg: ExperimentConfig, round: number): BranchName[] {
  return round === 0 ? cfg.branches.filter((b) => branches[b].inRoundZero) : cfg.branches;
}

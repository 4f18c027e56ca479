/** Number formats and branch naming shared by the HTML report and the terminal table. */
import { branches } from '../branches/registry.ts';
import type { AnyBranchSpec } from '../branches/spec.ts';
import type { DivergedTrial, Summary } from './types.ts';

// A summary may come from another version of lth: its branch names are plain strings.
function specOf(branch: string): AnyBranchSpec | undefined {
  return Object.hasOwn(branches, branch) ? branches[branch as keyof typeof branches] : undefined;
}

/** The display name of a branch from its spec, e.g. 'reinit' -> 'random reinit'; an unknown branch shows its own name. */
export function branchLabel(branch: string): string {
  return specOf(branch)?.label ?? branch;
}

/**
 * Branch names in order of first appearance across rounds (the runner's order), including
 * branches whose trials all diverged; the ticket (always trained first) leads.
 */
export function branchOrder(summary: Summary): string[] {
  const seen = new Set<string>();
  for (const r of summary.rounds) {
    for (const b of Object.keys(r.branches)) seen.add(b);
    for (const d of r.diverged ?? []) seen.add(d.branch);
  }
  return seen.has('ticket') ? ['ticket', ...[...seen].filter((b) => b !== 'ticket')] : [...seen];
}

/** How many trials of `branch` diverged in a round. */
export function divergedCount(round: Summary['rounds'][number], branch: string): number {
  return (round.diverged ?? []).filter((d) => d.branch === branch).length;
}

/** One line about a diverged trial: where, and what it means for the rest of the run. */
export function divergedNote(round: number, d: DivergedTrial): string {
  const then =
    d.branch === 'ticket' ? `; trial ${d.trial} stops here: its later rounds build on this ticket and were not run`
      : specOf(d.branch)?.needs.includes('chain') ? `; its later ${branchLabel(d.branch)} rounds were not run`
        : '';
  return `round ${round}, ${branchLabel(d.branch)}, trial ${d.trial} (seed ${d.seed}): diverged at iteration ${d.iteration} (loss ${d.loss}), left out of the means${then}`;
}

/** The branch whose learning curves the report shows: 'ticket' if present, else the first. */
export function mainBranch(branches: string[]): string | undefined {
  return branches.includes('ticket') ? 'ticket' : branches[0];
}

/** A fraction of weights remaining as a percent with 3 significant digits: 0.0687 -> "6.87". */
export function formatRemaining(fraction: number): string {
  const pct = fraction * 100;
  return pct >= 99.95 ? String(Math.round(pct)) : String(Number(pct.toPrecision(3)));
}

/** An accuracy fraction as a percent with 2 decimals: 0.98123 -> "98.12". */
export function formatAccuracy(fraction: number): string {
  return Number.isFinite(fraction) ? (fraction * 100).toFixed(2) : '-';
}

/** An iteration count, rounded when it is a mean over trials. */
export function formatIteration(it: number): string {
  return Number.isFinite(it) ? String(Math.round(it)) : '-';
}

/** Seconds with a precision suited to their size. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '-';
  return s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2);
}

import type { PieceResult } from '../pieces.ts';
import type { Schema } from '../schema.ts';
import type { PieceContext, RunEvent } from './context.ts';

/**
 * A branch's own settings: one top-level config record (e.g. `fineTune: {iterations, lrScale}`).
 * Branches that share settings name the same section object (the at-init branches share
 * `atInit`); the config schema, its type and `lth config` are built from these.
 */
export interface BranchSection<K extends string = string, T = unknown> {
  /** The config key of the record, e.g. 'fineTune'. */
  readonly key: K;
  /** One line on what the record configures (`lth config` adds the branches that read it). */
  readonly help: string;
  /** Its fields, with defaults and help. */
  readonly schema: Schema<T>;
}

/** A section with any key and settings (what the registry and config.ts handle). */
// `any`: settings differ per section; each branch file keeps its own settings type
export type AnyBranchSection = BranchSection<string, any>;

/** A branch's config section, typed by its key and settings. */
export function branchSection<const K extends string, T>(key: K, help: string, schema: Schema<T>): BranchSection<K, T> {
  return { key, help, schema };
}

/**
 * What a branch's piece of round r reads that other pieces write (static, so the runner's
 * piece graph can be built from the registry without running anything):
 * - 'mask': the round's ticket mask, pruned from round r-1's trained ticket (all ones in round
 *   0, where no piece writes it);
 * - 'rewind': the trial's rewind point, written by round 0's ticket;
 * - 'chain': the branch's own trained network of round r-1 (in round 1: round 0's trained
 *   ticket), a chain of rounds of its own such as fine-tuning's.
 */
export type BranchNeed = 'mask' | 'rewind' | 'chain';

/**
 * One branch of an experiment, describing itself: its name in configs, its label in reports,
 * its help line, its config section, what it reads, and how a round's piece is trained.
 * Adding a branch is one file exporting a spec and one entry in registry.ts.
 */
export interface BranchSpec<N extends string = string, S extends AnyBranchSection | undefined = undefined> {
  /** Its name in configs, result files and run directories. */
  readonly name: N;
  /** Its name in the report and the terminal table, e.g. 'random reinit'. */
  readonly label: string;
  /** One line for `lth config` (what it trains and why). */
  readonly description: string;
  /** Whether it runs in round 0 (the dense network). */
  readonly inRoundZero: boolean;
  /** The pieces' outputs it reads (see BranchNeed). */
  readonly needs: readonly BranchNeed[];
  /** Its settings, if it has any. */
  readonly section?: S;
  /** Trains the piece, yielding progress; returns its result (the runner saves it). */
  run(ctx: PieceContext): Generator<RunEvent, PieceResult>;
}

/** A branch spec of any name and section (what the runner and the report handle). */
export type AnyBranchSpec = BranchSpec<string, AnyBranchSection | undefined>;

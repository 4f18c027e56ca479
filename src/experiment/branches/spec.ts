import type { PieceResult } from '../pieces.ts';
import type { PieceContext, RunEvent } from './context.ts';

/** One branch of an experiment: how a round's piece is set up and trained. */
export interface BranchSpec {
  /** One line for `lth config` and the report. */
  description: string;
  /** Whether it runs in round 0 (the dense network); only the ticket does. */
  inRoundZero: boolean;
  /** Trains the piece, yielding progress; returns its result (the runner saves it). */
  run(ctx: PieceContext): Generator<RunEvent, PieceResult>;
}

/**
 * The serverless shape of a piece: the handler a function platform (a cloud function, a batch
 * job, a queue consumer of any kind) calls with one piece spec and gets one result back. All
 * else goes through a store: the run's config.json (written by the coordinator, `lth run`)
 * says how to train, earlier pieces' weights and masks are read from it, and this piece's
 * outputs and result are written to it, the result last and atomically. A piece already done
 * returns its stored result without training again, so a platform's at-least-once delivery is
 * harmless. The environment (backend, dataset, network) is built on the first call and kept
 * for the next ones while the function instance stays warm. Node only.
 *
 *   import { handlePiece } from 'lth';
 *   // e.g. a function invoked with { "dir": "/mnt/efs/runs/compare", "round": 2, "trial": 0, "branch": "ticket" }
 *   export const handler = (event) => handlePiece(event, event.dir);
 *
 * The caller invokes a piece once the pieces it needs are done (pieceGraph / readyPieces say
 * which), as `lth run --queue` does.
 */
import { type BranchName, branchNames } from '../experiment/config.ts';
import { openRunStore } from '../experiment/store/open.ts';
import type { PieceResult } from '../experiment/pieces.ts';
import type { RunStore } from '../experiment/store/run-store.ts';
import { UserError } from '../util/errors.ts';
import { type PieceTaskOptions, runStoredPiece } from './piece-task.ts';

/** Which piece: one branch of one round of one trial (extra fields, such as `dir`, are ignored). */
export interface PieceSpec {
  round: number;
  trial: number;
  branch: BranchName;
}

/**
 * Runs the piece `spec` names of the run in `store` (a RunStore, or a run directory) and
 * returns its result. A spec that is not a piece of the run is a UserError (retrying cannot fix
 * it); so is a store without config.json. A diverged piece is a result (its `diverged` set).
 */
export async function handlePiece(spec: PieceSpec, store: RunStore | string, opts: PieceTaskOptions = {}): Promise<PieceResult> {
  return runStoredPiece(openRunStore(store), checkSpec(spec), opts);
}

// The spec as JSON from outside gives it: whole numbers and a known branch.
function checkSpec(spec: unknown): PieceSpec {
  const s = spec as Partial<PieceSpec> | null;
  const nat = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;
  if (s === null || typeof s !== 'object' || !nat(s.round) || !nat(s.trial) || !branchNames.includes(s.branch as BranchName)) {
    throw new UserError(`handlePiece: expected { round, trial, branch } (whole numbers; branch one of ${branchNames.join(', ')}), got ${JSON.stringify(spec)?.slice(0, 200)}`);
  }
  return { round: s.round as number, trial: s.trial as number, branch: s.branch as BranchName };
}

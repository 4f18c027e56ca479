import type { RunEvent } from './branches/context.ts';
import type { ExperimentConfig } from './config.ts';
import { CorruptFileError, moveAside } from './io/corrupt.ts';
import { fileKernelPlan } from './kernel-plan-file.ts';
import { readPieceResult } from './piece-schema.ts';
import { PieceRunner } from './piece-runner.ts';
import { type PieceId, allPieces, blockedBy, pieceKey } from './piece-status.ts';
import type { PieceResult } from './pieces.ts';
import { prepareRun } from './prepare-run.ts';
import { writeResults } from './results.ts';
import type { RunDir } from './store.ts';

export type { RunEvent } from './branches/context.ts';

/**
 * Runs (or resumes) an IMP experiment into `outDir`. A piece is skipped when its result file
 * exists and validates, so a killed run started again loses nothing; an invalid result or an
 * invalid file a piece reads is moved aside and recomputed. A diverged piece counts as done;
 * the pieces that build on it (its trial's later rounds, for the ticket) are not run.
 */
export async function* runExperiment(cfg: ExperimentConfig, outDir: string): AsyncGenerator<RunEvent, void> {
  const setup = await prepareRun(cfg, outDir);
  const { dir } = setup;
  const kernelPlan = fileKernelPlan(dir.kernelPlan); // 'auto' kernels decided once per layer and mask size, for every piece and restart
  const pieces = allPieces(cfg);
  const results = new Map<string, PieceResult>();
  for (const id of pieces) {
    const checked = checkedResult(dir, id);
    if (checked.event) yield checked.event;
    if (checked.result) results.set(pieceKey(id), checked.result);
  }
  const diverged = new Set([...results].filter(([, r]) => r.diverged).map(([k]) => k));
  let blocked = blockedBy(cfg, diverged);
  yield { kind: 'start', totalPieces: pieces.length - blocked.size, donePieces: results.size };

  const runner = new PieceRunner(cfg, setup, results, kernelPlan);
  for (let round = 0; round <= cfg.pruning.rounds; round++) {
    for (const id of pieces.filter((p) => p.round === round)) {
      const key = pieceKey(id);
      if (blocked.has(key)) continue;
      let result = results.get(key);
      const skipped = result !== undefined;
      if (result === undefined) result = yield* runner.run(id);
      else yield { kind: 'piece', ...id, weightsRemaining: result.weightsRemaining, skipped: true };
      if (result.diverged) {
        diverged.add(key);
        blocked = blockedBy(cfg, diverged);
        yield { kind: 'diverged', ...id, ...result.diverged, notRun: blockedBy(cfg, new Set([key])).size, skipped };
      }
    }
    writeResults(cfg, dir);
  }
}

// A piece's result when it is there and valid; an invalid one is moved aside (the piece is not done).
function checkedResult(dir: RunDir, id: PieceId): { result?: PieceResult; event?: RunEvent } {
  const path = dir.result(id.round, id.trial, id.branch);
  try {
    return { result: readPieceResult(path, id) };
  } catch (e) {
    if (!(e instanceof CorruptFileError)) throw e;
    return { event: { kind: 'corrupt', path, reason: e.reason, movedTo: moveAside(path) } };
  }
}

import type { BranchName, ExperimentConfig } from './config.ts';
import { branchesOf } from './branches/registry.ts';
import type { PieceResult } from './pieces.ts';
import { summarizeTrials } from './report/summarize.ts';
import type { DivergedTrial, MetricRow, RoundSummary, Summary } from './report/types.ts';
import { runKeys } from './store/keys.ts';
import type { RunStore } from './store/run-store.ts';

/**
 * Every finished piece result in a run, in round, trial, branch order. An invalid one is a
 * CorruptFileError (the runner has set those aside before it calls this).
 */
export function readPieces(cfg: ExperimentConfig, store: RunStore): PieceResult[] {
  const out: PieceResult[] = [];
  for (let r = 0; r <= cfg.pruning.rounds; r++) {
    for (let t = 0; t < cfg.trials; t++) {
      for (const br of branchesOf(cfg, r)) {
        const p = store.getResult({ round: r, trial: t, branch: br });
        if (p !== undefined) out.push(p);
      }
    }
  }
  return out;
}

/**
 * The summary of the finished pieces: per round, per branch means and min/max over trials.
 * Diverged pieces are left out of those and listed in the round's `diverged`.
 */
export function buildSummary(cfg: ExperimentConfig, pieces: PieceResult[]): Summary {
  const rounds: RoundSummary[] = [];
  for (let r = 0; r <= cfg.pruning.rounds; r++) {
    const inRound = pieces.filter((p) => p.round === r);
    if (inRound.length === 0) continue;
    const branches: RoundSummary['branches'] = {};
    for (const br of branchesOf(cfg, r) as BranchName[]) {
      const trials = inRound.filter((p) => p.branch === br && p.diverged === undefined);
      if (trials.length === 0) continue;
      branches[br] = summarizeTrials(
        trials.map((p) => ({
          seed: p.seed,
          earlyStopIteration: p.earlyStopIteration,
          testAccuracyAtEarlyStop: p.testAccuracyAtEarlyStop,
          valLossAtEarlyStop: p.valLossAtEarlyStop,
          finalTestAccuracy: p.finalTestAccuracy,
          wallSeconds: p.wallSeconds,
          ...numericExtras(p.extras),
        })),
      );
    }
    const ticket = inRound.find((p) => p.branch === 'ticket');
    const diverged = inRound.flatMap((p): DivergedTrial[] => (p.diverged ? [{ branch: p.branch, trial: p.trial, seed: p.seed, ...p.diverged }] : []));
    rounds.push({ round: r, weightsRemaining: (ticket ?? inRound[0]).weightsRemaining, branches, ...(diverged.length > 0 ? { diverged } : {}) });
  }
  return { name: cfg.name, rounds };
}

/** One metrics row per evaluation of every finished piece. */
export function metricRows(pieces: PieceResult[]): MetricRow[] {
  return pieces.flatMap((p) =>
    p.evals.map((e) => ({ round: p.round, branch: p.branch, trial: p.trial, iteration: e.iteration, valLoss: e.valLoss, valAccuracy: e.valAccuracy, testLoss: e.testLoss, testAccuracy: e.testAccuracy, trainLoss: e.trainLoss })),
  );
}

/**
 * Rewrites summary.json and metrics.jsonl from the piece results (each replaced whole, so a
 * crash never leaves them half-written or with duplicate rows). Returns the summary.
 */
export function writeResults(cfg: ExperimentConfig, store: RunStore): Summary {
  const pieces = readPieces(cfg, store);
  const summary = buildSummary(cfg, pieces);
  store.putJson(runKeys.summary, summary);
  store.putText(runKeys.metrics, metricRows(pieces).map((m) => JSON.stringify(m)).join('\n') + '\n');
  return summary;
}

/** The numeric entries of a piece's extras (what the summary aggregates over trials). */
function numericExtras(extras: Record<string, unknown> | undefined): { extras?: Record<string, number> } {
  if (extras === undefined) return {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(extras)) if (typeof v === 'number') out[k] = v;
  return Object.keys(out).length > 0 ? { extras: out } : {};
}

/** Aggregation of a branch's trials into the numbers the report plots. */
import type { BranchSummary, TrialResult } from './types.ts';

/**
 * Means, minima and maxima over trials (the paper's error bars are min/max over trials).
 * `wallSeconds` is the mean over trials and is set only when every trial has it.
 * Throws if `trials` is empty: a branch with no trials has nothing to summarize.
 */
export function summarizeTrials(trials: TrialResult[]): BranchSummary {
  if (trials.length === 0) throw new Error('summarizeTrials: no trials to summarize');
  const es = trials.map((t) => t.earlyStopIteration);
  const acc = trials.map((t) => t.testAccuracyAtEarlyStop);
  const summary: BranchSummary = {
    earlyStopIteration: mean(es),
    testAccuracyAtEarlyStop: mean(acc),
    finalTestAccuracy: mean(trials.map((t) => t.finalTestAccuracy)),
    testAccuracyAtEarlyStopMin: Math.min(...acc),
    testAccuracyAtEarlyStopMax: Math.max(...acc),
    earlyStopIterationMin: Math.min(...es),
    earlyStopIterationMax: Math.max(...es),
    trials: trials.map((t) => ({ ...t })),
  };
  const wall = trials.map((t) => t.wallSeconds);
  if (wall.every((w): w is number => typeof w === 'number')) summary.wallSeconds = mean(wall);
  const keys = Object.keys(trials[0].extras ?? {}).filter((k) => trials.every((t) => typeof t.extras?.[k] === 'number'));
  if (keys.length > 0) {
    summary.extras = {};
    for (const k of keys) {
      const xs = trials.map((t) => t.extras![k]);
      summary.extras[k] = { mean: mean(xs), min: Math.min(...xs), max: Math.max(...xs) };
    }
  }
  return summary;
}

function mean(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/**
 * The records an IMP run writes and the report reads: `summary.json` holds a {@link Summary},
 * `metrics.jsonl` one {@link MetricRow} per line. Accuracies are fractions in [0, 1].
 */

/** One training run of one branch in one round, with one seed. */
export interface TrialResult {
  seed: number;
  /** Iteration of minimum validation loss (the paper's early-stopping criterion). */
  earlyStopIteration: number;
  testAccuracyAtEarlyStop: number;
  valLossAtEarlyStop: number;
  finalTestAccuracy: number;
  /** Seconds this trial's training took, if measured. */
  wallSeconds?: number;
  /** Branch-specific numbers (e.g. the instability `barrier`). */
  extras?: Record<string, number>;
}

/** Mean, minimum and maximum of a number over trials. */
export interface Spread {
  mean: number;
  min: number;
  max: number;
}

/** A branch's trials in one round, aggregated: the unsuffixed numbers are means over trials. */
export interface BranchSummary {
  earlyStopIteration: number;
  testAccuracyAtEarlyStop: number;
  finalTestAccuracy: number;
  testAccuracyAtEarlyStopMin: number;
  testAccuracyAtEarlyStopMax: number;
  earlyStopIterationMin: number;
  earlyStopIterationMax: number;
  /** Mean seconds per trial, present when every trial measured it. */
  wallSeconds?: number;
  /** Each branch-specific number that every trial reported, over trials. */
  extras?: Record<string, Spread>;
  trials: TrialResult[];
}

/** One pruning round; branch names are e.g. 'ticket', 'reinit', 'randomPrune'. */
export interface RoundSummary {
  round: number;
  /** Fraction of prunable weights remaining, in (0, 1]. */
  weightsRemaining: number;
  /** Per branch, over its trials that did not diverge (a branch whose trials all diverged is absent). */
  branches: Record<string, BranchSummary>;
  /** Trials whose training diverged (left out of `branches`); absent when none did. */
  diverged?: DivergedTrial[];
}

/**
 * A trial of a branch whose loss became non-finite: training stopped at `iteration`. A diverged
 * ticket also ends its trial's chain of rounds (later rounds have no trained weights to prune).
 */
export interface DivergedTrial {
  branch: string;
  trial: number;
  seed: number;
  iteration: number;
  /** The loss as text: "NaN", "Infinity" or "-Infinity". */
  loss: string;
}

/** A whole IMP run, rounds in order. */
export interface Summary {
  name: string;
  rounds: RoundSummary[];
}

/** One evaluation during training of one trial of one branch in one round. */
export interface MetricRow {
  round: number;
  branch: string;
  trial: number;
  iteration: number;
  valLoss: number;
  valAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  trainLoss?: number;
}

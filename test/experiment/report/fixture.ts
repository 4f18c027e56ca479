/** A fabricated but paper-shaped IMP run (LeNet-like numbers) for report tests and samples. */
import { summarizeTrials } from '../../../src/experiment/report/summarize.ts';
import type { MetricRow, RoundSummary, Summary, TrialResult } from '../../../src/experiment/report/types.ts';

/** Deterministic jitter in [-1, 1] from integers, so fixtures need no PRNG state. */
function jitter(...k: number[]): number {
  let h = 2166136261;
  for (const v of k) h = Math.imul(h ^ (v + 7919), 16777619);
  return ((h >>> 0) % 2001) / 1000 - 1;
}

const BRANCHES = ['ticket', 'reinit', 'randomPrune'] as const;

/** Accuracy at early stop as a function of branch and percent remaining, roughly Figure 3's. */
function accuracyAt(branch: string, pct: number): number {
  const l = Math.log10(100 / pct);
  if (branch === 'ticket') return 0.979 + 0.004 * Math.sin(l * 1.6) - (pct < 3 ? 0.004 * (3 - pct) : 0);
  if (branch === 'reinit') return 0.979 - 0.012 * l * l;
  return 0.978 - 0.016 * l * l;
}

function earlyStopAt(branch: string, pct: number): number {
  const l = Math.log10(100 / pct);
  if (branch === 'ticket') return Math.round((11000 - 3000 * Math.sin(l * 1.8)) / 100) * 100;
  return Math.round((11000 + 9000 * l) / 100) * 100;
}

/** `rounds` rounds pruning 20% per round, `trials` trials per branch, optional wall time. */
export function fabricate(opts: { rounds?: number; trials?: number; wall?: boolean; iterations?: number; every?: number } = {}): {
  summary: Summary;
  metrics: MetricRow[];
  config: unknown;
} {
  const nRounds = opts.rounds ?? 20;
  const nTrials = opts.trials ?? 3;
  const iterations = opts.iterations ?? 20000;
  const every = opts.every ?? 1000;
  const rounds: RoundSummary[] = [];
  const metrics: MetricRow[] = [];
  for (let r = 0; r < nRounds; r++) {
    const wr = 0.8 ** r;
    const pct = wr * 100;
    const branches: RoundSummary['branches'] = {};
    for (const [bi, b] of BRANCHES.entries()) {
      if (r === 0 && b !== 'ticket') continue; // the dense round has no controls
      const trials: TrialResult[] = [];
      for (let t = 0; t < nTrials; t++) {
        const acc = accuracyAt(b, pct) + 0.0015 * jitter(r, bi, t);
        const es = Math.max(100, earlyStopAt(b, pct) + 100 * Math.round(8 * jitter(r, bi, t, 1)));
        const trial: TrialResult = {
          seed: t,
          earlyStopIteration: es,
          testAccuracyAtEarlyStop: acc,
          valLossAtEarlyStop: 0.06 + 0.01 * jitter(r, bi, t, 2),
          finalTestAccuracy: acc - 0.001 - 0.001 * Math.abs(jitter(r, bi, t, 3)),
        };
        if (opts.wall) trial.wallSeconds = 2 + 40 * wr + 0.3 * jitter(r, bi, t, 4);
        trials.push(trial);
        for (let it = 0; it <= iterations; it += every) {
          const a = 0.1 + (acc - 0.1) * (1 - Math.exp(-it / (1200 + 30 * r))) + 0.001 * jitter(r, bi, t, it);
          metrics.push({ round: r, branch: b, trial: t, iteration: it, valLoss: 2.3 * (1 - a), valAccuracy: a, testLoss: 2.3 * (1 - a), testAccuracy: a });
        }
      }
      branches[b] = summarizeTrials(trials);
    }
    rounds.push({ round: r, weightsRemaining: wr, branches });
  }
  const config = {
    name: 'lenet-mnist-sample',
    model: 'lenet300100',
    dataset: { name: 'mnist', validation: 5000 },
    optimizer: { name: 'adam', lr: 0.0012 },
    pruning: { rounds: nRounds - 1, rate: { fc: 0.2, output: 0.1 }, strategy: 'layerwise-magnitude' },
    trials: nTrials,
    branches: [...BRANCHES],
  };
  return { summary: { name: 'lenet-mnist-sample', rounds }, metrics, config };
}

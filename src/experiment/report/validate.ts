/**
 * Checks that files read back from a run directory have the shapes in `types.ts`, so a
 * hand-edited or truncated file fails with a message naming the field, not deep in a plot.
 */
import { UserError } from '../../util/errors.ts';
import type { BranchSummary, DivergedTrial, MetricRow, RoundSummary, Summary, TrialResult } from './types.ts';

/** Returns `raw` typed as a Summary, or throws a UserError naming `source` and the bad field. */
export function parseSummary(raw: unknown, source: string): Summary {
  const s = record(raw, source);
  const name = s.name;
  if (typeof name !== 'string') throw new UserError(`${source}: name must be a string`);
  if (!Array.isArray(s.rounds)) throw new UserError(`${source}: rounds must be an array`);
  const rounds = s.rounds.map((r, i): RoundSummary => {
    const at = `${source}: rounds[${i}]`;
    const o = record(r, at);
    const b = record(o.branches, `${at}.branches`);
    const branches: Record<string, BranchSummary> = {};
    for (const [k, v] of Object.entries(b)) branches[k] = parseBranch(v, `${at}.branches.${k}`);
    const round: RoundSummary = { round: num(o, 'round', at), weightsRemaining: num(o, 'weightsRemaining', at), branches };
    if (o.diverged !== undefined) round.diverged = parseDiverged(o.diverged, `${at}.diverged`);
    return round;
  });
  return { name, rounds };
}

/** Returns `rows` typed as MetricRows, or throws a UserError naming `source` and the row. */
export function parseMetricRows(rows: unknown[], source: string): MetricRow[] {
  return rows.map((r, i) => {
    const at = `${source}: row ${i + 1}`;
    const o = record(r, at);
    if (typeof o.branch !== 'string') throw new UserError(`${at}: branch must be a string`);
    const row: MetricRow = {
      round: num(o, 'round', at),
      branch: o.branch,
      trial: num(o, 'trial', at),
      iteration: num(o, 'iteration', at),
      valLoss: measured(o, 'valLoss', at),
      valAccuracy: measured(o, 'valAccuracy', at),
      testLoss: measured(o, 'testLoss', at),
      testAccuracy: measured(o, 'testAccuracy', at),
    };
    if (o.trainLoss !== undefined) row.trainLoss = measured(o, 'trainLoss', at);
    return row;
  });
}

function parseDiverged(raw: unknown, at: string): DivergedTrial[] {
  if (!Array.isArray(raw)) throw new UserError(`${at} must be an array`);
  return raw.map((d, i) => {
    const dat = `${at}[${i}]`;
    const o = record(d, dat);
    if (typeof o.branch !== 'string') throw new UserError(`${dat}.branch must be a string`);
    if (typeof o.loss !== 'string') throw new UserError(`${dat}.loss must be a string`);
    return { branch: o.branch, trial: num(o, 'trial', dat), seed: num(o, 'seed', dat), iteration: num(o, 'iteration', dat), loss: o.loss };
  });
}

function parseBranch(raw: unknown, at: string): BranchSummary {
  const o = record(raw, at);
  if (!Array.isArray(o.trials)) throw new UserError(`${at}: trials must be an array`);
  const trials = o.trials.map((t, i): TrialResult => {
    const tat = `${at}.trials[${i}]`;
    const to = record(t, tat);
    const tr: TrialResult = {
      seed: num(to, 'seed', tat),
      earlyStopIteration: num(to, 'earlyStopIteration', tat),
      testAccuracyAtEarlyStop: num(to, 'testAccuracyAtEarlyStop', tat),
      valLossAtEarlyStop: measured(to, 'valLossAtEarlyStop', tat),
      finalTestAccuracy: num(to, 'finalTestAccuracy', tat),
    };
    if (to.wallSeconds !== undefined) tr.wallSeconds = num(to, 'wallSeconds', tat);
    if (to.extras !== undefined) {
      const e = record(to.extras, `${tat}.extras`);
      tr.extras = Object.fromEntries(Object.keys(e).map((k) => [k, num(e, k, `${tat}.extras`)]));
    }
    return tr;
  });
  const b: BranchSummary = {
    earlyStopIteration: num(o, 'earlyStopIteration', at),
    testAccuracyAtEarlyStop: num(o, 'testAccuracyAtEarlyStop', at),
    finalTestAccuracy: num(o, 'finalTestAccuracy', at),
    testAccuracyAtEarlyStopMin: num(o, 'testAccuracyAtEarlyStopMin', at),
    testAccuracyAtEarlyStopMax: num(o, 'testAccuracyAtEarlyStopMax', at),
    earlyStopIterationMin: num(o, 'earlyStopIterationMin', at),
    earlyStopIterationMax: num(o, 'earlyStopIterationMax', at),
    trials,
  };
  if (o.wallSeconds !== undefined) b.wallSeconds = num(o, 'wallSeconds', at);
  if (o.extras !== undefined) {
    const e = record(o.extras, `${at}.extras`);
    b.extras = {};
    for (const k of Object.keys(e)) {
      const sat = `${at}.extras.${k}`;
      const so = record(e[k], sat);
      b.extras[k] = { mean: num(so, 'mean', sat), min: num(so, 'min', sat), max: num(so, 'max', sat) };
    }
  }
  return b;
}

function record(x: unknown, at: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new UserError(`${at} must be an object`);
  return x as Record<string, unknown>;
}

function num(o: Record<string, unknown>, key: string, at: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new UserError(`${at}.${key} must be a finite number, got ${JSON.stringify(v)}`);
  }
  return v;
}

// A diverged run's loss is NaN, which JSON writes as null: read it back as NaN; plots skip it.
function measured(o: Record<string, unknown>, key: string, at: string): number {
  return o[key] === null ? NaN : num(o, key, at);
}

/** Builds the report's plots (as SVG strings) from a run's summary and metrics. */
import { linePlot, PALETTE, type PlotPoint, type PlotSeries } from './svg.ts';
import { niceDomain } from './scale.ts';
import { branchLabel, branchOrder, formatRemaining, mainBranch } from './format.ts';
import type { MetricRow, Summary } from './types.ts';

/** The report's plots; `wallTime` only when some branch recorded wall time. */
export interface ReportPlots {
  accuracy: string;
  earlyStop: string;
  curves: string;
  wallTime?: string;
  /** Error barrier vs weights remaining, when an instability branch ran. */
  instability?: string;
  /** Test F1 (class 1) at early stop vs weights remaining, for two-class data (spam). */
  f1?: string;
}

/** Weights-remaining levels (percent) of the paper's Figure 3 learning curves. */
const CURVE_TARGETS = [100, 51.3, 21.1, 7.0, 3.6, 1.9];
const X_LABEL = 'Percent of weights remaining';

/** Renders all plots; branch colours agree across them. */
export function renderPlots(summary: Summary, metrics: MetricRow[]): ReportPlots {
  const branches = branchOrder(summary);
  const color = (b: string) => PALETTE[branches.indexOf(b) % PALETTE.length]!;
  const xTicks = summary.rounds.map((r) => r.weightsRemaining * 100);
  const perBranch = (pick: (b: string, r: Summary['rounds'][number]) => PlotPoint | undefined): PlotSeries[] =>
    branches.map((b) => ({
      name: branchLabel(b),
      color: color(b),
      dashed: b !== 'ticket',
      points: summary.rounds.flatMap((r) => pick(b, r) ?? []),
    }));
  const common = { xLabel: X_LABEL, xScale: 'log' as const, xReverse: true, xTicks };
  // A branch-specific number of the summary (mean and min-max over trials), as percent.
  const extraSeries = (key: string): PlotSeries[] =>
    perBranch((b, r) => {
      const e = r.branches[b]?.extras?.[key];
      return e && { x: r.weightsRemaining * 100, y: e.mean * 100, yMin: e.min * 100, yMax: e.max * 100 };
    }).filter((s) => s.points.length > 0);
  const f1 = extraSeries('testF1');
  // Two-class runs (spam): the dense network of round 0 (fine-tuned from the pre-trained weights
  // when the run pre-trains) as a grey line across the accuracy and F1 plots.
  const dense = f1.length > 0 && xTicks.length >= 2 ? summary.rounds.find((r) => r.round === 0)?.branches.ticket : undefined;
  const denseLine = (y: number): PlotSeries[] =>
    dense === undefined ? [] : [{ name: 'dense (round 0)', color: '#888888', dashed: true, points: [Math.max(...xTicks), Math.min(...xTicks)].map((x) => ({ x, y })) }];

  const accuracy = linePlot({
    ...common,
    title: 'Test accuracy at early stop',
    yLabel: 'Test accuracy (%)',
    series: [...perBranch((b, r) => {
      const s = r.branches[b];
      return s && { x: r.weightsRemaining * 100, y: s.testAccuracyAtEarlyStop * 100, yMin: s.testAccuracyAtEarlyStopMin * 100, yMax: s.testAccuracyAtEarlyStopMax * 100 };
    }), ...denseLine((dense?.testAccuracyAtEarlyStop ?? 0) * 100)],
  });
  const earlyStop = linePlot({
    ...common,
    title: 'Early-stop iteration (minimum validation loss)',
    yLabel: 'Early-stop iteration',
    series: perBranch((b, r) => {
      const s = r.branches[b];
      return s && { x: r.weightsRemaining * 100, y: s.earlyStopIteration, yMin: s.earlyStopIterationMin, yMax: s.earlyStopIterationMax };
    }),
  });
  const plots: ReportPlots = { accuracy, earlyStop, curves: curvesPlot(summary, metrics, mainBranch(branches)) };
  const hasWall = summary.rounds.some((r) => Object.values(r.branches).some((s) => s.wallSeconds !== undefined));
  if (hasWall) {
    plots.wallTime = linePlot({
      ...common,
      title: 'Training wall time per trial',
      yLabel: 'Seconds',
      series: perBranch((b, r) => {
        const s = r.branches[b];
        if (s?.wallSeconds === undefined) return undefined;
        const w = s.trials.flatMap((t) => (t.wallSeconds === undefined ? [] : [t.wallSeconds]));
        return { x: r.weightsRemaining * 100, y: s.wallSeconds, yMin: Math.min(...w), yMax: Math.max(...w) };
      }).filter((s) => s.points.length > 0),
    });
  }
  const barrier = extraSeries('barrier');
  if (f1.length > 0) {
    plots.f1 = linePlot({ ...common, title: 'Test F1 at early stop (class 1)', yLabel: 'Test F1 (%)', series: [...f1, ...denseLine((dense?.extras?.testF1?.mean ?? 0) * 100)] });
  }
  if (barrier.length > 0) {
    plots.instability = linePlot({ ...common, title: 'Instability: error barrier between two copies', yLabel: 'Error barrier (percentage points)', series: barrier });
  }
  return plots;
}

/**
 * Picks up to `max` rounds for learning curves: all of them if few, else those nearest (in log
 * space) to the paper's levels, topped up with the rounds farthest from those already picked.
 */
export function selectCurveRounds(rounds: { round: number; weightsRemaining: number }[], max = 6): number[] {
  if (rounds.length <= max) return rounds.map((r) => r.round).sort((a, b) => a - b);
  const logPct = (r: { weightsRemaining: number }) => Math.log(Math.max(r.weightsRemaining, 1e-12) * 100);
  const picked = new Set<(typeof rounds)[number]>();
  for (const t of CURVE_TARGETS.slice(0, max)) {
    let best = rounds[0]!;
    for (const r of rounds) if (Math.abs(logPct(r) - Math.log(t)) < Math.abs(logPct(best) - Math.log(t))) best = r;
    picked.add(best);
  }
  while (picked.size < max) {
    let far = rounds[0]!;
    let farD = -1;
    for (const r of rounds) {
      if (picked.has(r)) continue;
      const d = Math.min(...[...picked].map((p) => Math.abs(logPct(p) - logPct(r))));
      if (d > farD) [far, farD] = [r, d];
    }
    picked.add(far);
  }
  return [...picked].map((r) => r.round).sort((a, b) => a - b);
}

/** Mean test accuracy (min/max band over trials) against iteration for chosen rounds. */
function curvesPlot(summary: Summary, metrics: MetricRow[], branch: string | undefined): string {
  // Diverged trials are out of the means, as in the summary.
  const diverged = new Set(summary.rounds.flatMap((r) => (r.diverged ?? []).map((d) => `${r.round}/${d.branch}/${d.trial}`)));
  const rows = metrics.filter((m) => m.branch === branch && !diverged.has(`${m.round}/${m.branch}/${m.trial}`));
  const withData = new Set(rows.map((m) => m.round));
  // The summary gives each round its weights remaining; rows of an unfinished round are left out.
  const candidates = summary.rounds.filter((r) => withData.has(r.round));
  const chosen = selectCurveRounds(candidates);
  const series: PlotSeries[] = chosen.map((round) => {
    const wr = candidates.find((r) => r.round === round)!.weightsRemaining;
    return { name: `${formatRemaining(wr)}% (round ${round})`, points: curvePoints(rows.filter((m) => m.round === round)) };
  });
  const maxIt = Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.x)));
  const late = series.flatMap((s) => s.points.filter((p) => p.x >= maxIt / 2).map((p) => p.y));
  const all = series.flatMap((s) => s.points.flatMap((p) => [p.y, p.yMin ?? p.y, p.yMax ?? p.y]));
  return linePlot({
    title: `Learning curves: ${branch === undefined ? 'no branch' : branchLabel(branch)}`,
    xLabel: 'Training iteration',
    yLabel: 'Test accuracy (%)',
    series,
    yDomain: focusDomain(late, all),
  });
}

/**
 * A y range that shows where the curves converge, as the paper's Figure 3 does: the spread of the
 * second half of training plus twice that below it; the near-chance start runs off the bottom.
 */
function focusDomain(late: number[], all: number[]): [number, number] | undefined {
  if (late.length === 0 || all.length === 0) return undefined;
  const hi = Math.max(...all);
  const lateLo = Math.min(...late);
  const lo = Math.max(Math.min(...all), lateLo - 2 * Math.max(hi - lateLo, 0.5));
  return niceDomain(lo, hi);
}

function curvePoints(rows: MetricRow[]): PlotPoint[] {
  const byIt = new Map<number, number[]>();
  for (const r of rows) {
    if (!Number.isFinite(r.testAccuracy)) continue;
    const list = byIt.get(r.iteration) ?? [];
    list.push(r.testAccuracy * 100);
    byIt.set(r.iteration, list);
  }
  return [...byIt.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([x, ys]) => {
      const y = ys.reduce((a, b) => a + b, 0) / ys.length;
      // One trial has no spread: no band.
      return ys.length > 1 ? { x, y, yMin: Math.min(...ys), yMax: Math.max(...ys) } : { x, y };
    });
}

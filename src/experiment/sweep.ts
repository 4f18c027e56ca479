import { join } from 'node:path';
import { UserError } from '../util/errors.ts';
import type { BranchName, ExperimentConfig } from './config.ts';
import { readJsonIfExists, writeFileAtomic, writeJsonAtomic } from './io/atomic.ts';
import { writeReport } from './report/report.ts';
import { escapeXml, linePlot } from './report/svg.ts';
import type { Summary } from './report/types.ts';
import { type RunEvent, runExperiment } from './runner.ts';

/**
 * Parses rewind points: "500" (iterations), "2%" (percent of training), "1ep" (epochs of
 * `iterationsPerEpoch`). Each must fall before the end of training.
 */
export function parseRewindPoints(spec: string, iterations: number, iterationsPerEpoch: number): number[] {
  const out = spec.split(',').map((raw) => {
    const s = raw.trim();
    let k: number;
    if (/^\d+$/.test(s)) k = Number(s);
    else if (/^\d+(\.\d+)?%$/.test(s)) k = Math.round((Number(s.slice(0, -1)) / 100) * iterations);
    else if (/^\d+(\.\d+)?ep$/.test(s)) k = Math.round(Number(s.slice(0, -2)) * iterationsPerEpoch);
    else throw new UserError(`--rewind: expected iterations (500), percent of training (2%) or epochs (1ep), got '${s}'`);
    if (k >= iterations) throw new UserError(`--rewind: ${s} is iteration ${k}, not before the end of training (${iterations})`);
    return k;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

/** One rewind point's run of a sweep. */
export interface SweepEntry {
  rewindIteration: number;
  runDir: string;
  summary: Summary;
}

/** The config of one point of a sweep: same experiment, rewound to `k`, instability added. */
export function sweepConfig(cfg: ExperimentConfig, k: number): ExperimentConfig {
  const branches: BranchName[] = cfg.branches.includes('instability') ? cfg.branches : [...cfg.branches, 'instability'];
  return { ...cfg, name: `${cfg.name}-k${k}`, pruning: { ...cfg.pruning, rewindIteration: k }, branches };
}

/**
 * Late-rewinding and instability sweep: runs (or resumes) the experiment once per rewind
 * point into `<out>/k-<k>/`, each with the instability branch, then writes the combined
 * `sweep.json` and `sweep.html` (barrier vs rewind point and vs weights remaining).
 */
export async function* runSweep(cfg: ExperimentConfig, ks: number[], out: string): AsyncGenerator<RunEvent & { k?: number }, SweepEntry[]> {
  const entries: SweepEntry[] = [];
  for (const k of ks) {
    const dir = join(out, `k-${k}`);
    const c = sweepConfig(cfg, k);
    for await (const ev of runExperiment(c, dir)) yield { ...ev, k };
    writeReport(dir);
    const summary = readJsonIfExists<Summary>(join(dir, 'summary.json'));
    if (summary === undefined) throw new Error(`sweep: ${dir}/summary.json missing after the run`);
    entries.push({ rewindIteration: k, runDir: dir, summary });
  }
  writeJsonAtomic(join(out, 'sweep.json'), sweepTable(entries));
  writeFileAtomic(join(out, 'sweep.html'), sweepPage(cfg.name, entries));
  return entries;
}

/** Rows of the sweep: per rewind point and round, weights remaining, barrier and ticket accuracy. */
export function sweepTable(entries: SweepEntry[]) {
  return entries.flatMap((e) =>
    e.summary.rounds.map((r) => ({
      rewindIteration: e.rewindIteration,
      round: r.round,
      weightsRemaining: r.weightsRemaining,
      barrier: r.branches.instability?.extras?.barrier,
      ticketTestAccuracyAtEarlyStop: r.branches.ticket?.testAccuracyAtEarlyStop,
    })),
  );
}

function sweepPage(name: string, entries: SweepEntry[]): string {
  const rows = sweepTable(entries);
  const rounds = [...new Set(rows.map((r) => r.round))];
  const barrierVsK = linePlot({
    title: 'Instability vs rewind iteration',
    xLabel: 'Rewind iteration k',
    yLabel: 'Error barrier (percentage points)',
    series: rounds.map((round) => {
      const pts = rows.filter((r) => r.round === round && r.barrier);
      const pct = pts[0] ? (pts[0].weightsRemaining * 100).toPrecision(3) : '?';
      return { name: `${pct}% weights (round ${round})`, points: pts.map((r) => ({ x: r.rewindIteration, y: r.barrier!.mean * 100, yMin: r.barrier!.min * 100, yMax: r.barrier!.max * 100 })) };
    }),
  });
  const perK = (pick: (r: (typeof rows)[number]) => { y: number; yMin?: number; yMax?: number } | undefined) =>
    entries.map((e) => ({
      name: `k = ${e.rewindIteration}`,
      points: rows.filter((r) => r.rewindIteration === e.rewindIteration).flatMap((r) => {
        const p = pick(r);
        return p ? [{ x: r.weightsRemaining * 100, ...p }] : [];
      }),
    }));
  const common = { xLabel: 'Percent of weights remaining', xScale: 'log' as const, xReverse: true };
  const barrierVsW = linePlot({ ...common, title: 'Instability vs weights remaining', yLabel: 'Error barrier (percentage points)', series: perK((r) => r.barrier && { y: r.barrier.mean * 100, yMin: r.barrier.min * 100, yMax: r.barrier.max * 100 }) });
  const accVsW = linePlot({ ...common, title: 'Ticket test accuracy at early stop, by rewind point', yLabel: 'Test accuracy (%)', series: perK((r) => (r.ticketTestAccuracyAtEarlyStop === undefined ? undefined : { y: r.ticketTestAccuracyAtEarlyStop * 100 })) });
  const table = rows
    .map((r) => `<tr><td>${r.rewindIteration}</td><td>${r.round}</td><td>${(r.weightsRemaining * 100).toPrecision(3)}</td><td>${r.barrier ? (r.barrier.mean * 100).toFixed(2) : '-'}</td><td>${r.ticketTestAccuracyAtEarlyStop !== undefined ? (r.ticketTestAccuracyAtEarlyStop * 100).toFixed(2) : '-'}</td></tr>`)
    .join('\n');
  const strip = (svg: string) => svg.replace(/^<\?xml[^>]*>\s*/, '').replace(/ xmlns="[^"]*"/, '');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Rewinding sweep: ${escapeXml(name)}</title>
<style>body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1320px;padding:0 1em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.3em .6em;text-align:right}.plots{display:flex;flex-wrap:wrap;gap:1em}</style>
</head><body>
<h1>Rewinding sweep: ${escapeXml(name)}</h1>
<p>Each rewind point k is a full IMP run (its own report: ${entries.map((e) => `<code>${escapeXml(e.runDir)}/report.html</code>`).join(', ')}). The error barrier is the maximum test error on the straight line between two copies trained from iteration k on different data orders, minus the mean error of the two (Frankle et al. 2020); near 0 means stable.</p>
<div class="plots">${[barrierVsK, barrierVsW, accVsW].map(strip).join('\n')}</div>
<h2>Results</h2>
<table><tr><th>k</th><th>round</th><th>weights remaining %</th><th>barrier (points)</th><th>ticket test acc. %</th></tr>
${table}
</table>
</body></html>
`;
}

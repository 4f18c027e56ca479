/**
 * The run report: one self-contained HTML page (inline CSS and SVG, no external resources) with
 * the paper's plots and tables. Rendering returns text (`reportFiles`); `writeReport` reads a
 * run's summary, metrics and config from its store and writes the files back there.
 */
import { UserError } from '../../util/errors.ts';
import { parseJsonl } from '../io/jsonl.ts';
import { runKeys } from '../store/keys.ts';
import { openRunStore } from '../store/open.ts';
import type { RunStore } from '../store/run-store.ts';
import { escapeXml } from './svg.ts';
import { renderPlots, type ReportPlots } from './plots.ts';
import { branchLabel, branchOrder, divergedCount, divergedNote, formatAccuracy, formatIteration, formatRemaining, formatSeconds } from './format.ts';
import { parseMetricRows, parseSummary } from './validate.ts';
import type { BranchSummary, MetricRow, Summary } from './types.ts';

const CSS = `
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1320px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.key { font-family: monospace; }
.range { display: block; color: #777; font-size: 0.8em; }
.scroll { overflow-x: auto; }
.plots { display: flex; flex-wrap: wrap; gap: 1em; }
td.diverged, p.diverged { color: #b00; }
figure { margin: 0; }
figcaption { font-size: 0.85em; color: #555; max-width: 640px; }
`;

/** Renders the report page for a run. `config` is the resolved config, shown as a table. */
export function renderReport(summary: Summary, metrics: MetricRow[], config: unknown): string {
  return htmlPage(summary, metrics, config, renderPlots(summary, metrics));
}

/**
 * The report's files by name: `plot-accuracy.svg`, `plot-early-stop.svg`, `plot-curves.svg`
 * (and `plot-wall-time.svg`, `plot-instability.svg` when there is data for them), then
 * `report.html`.
 */
export function reportFiles(summary: Summary, metrics: MetricRow[], config: unknown): [string, string][] {
  const plots = renderPlots(summary, metrics);
  const files: [string, string][] = [
    ['plot-accuracy.svg', plots.accuracy],
    ['plot-early-stop.svg', plots.earlyStop],
    ['plot-curves.svg', plots.curves],
  ];
  if (plots.wallTime) files.push(['plot-wall-time.svg', plots.wallTime]);
  if (plots.instability) files.push(['plot-instability.svg', plots.instability]);
  if (plots.f1) files.push(['plot-f1.svg', plots.f1]);
  files.push(['report.html', htmlPage(summary, metrics, config, plots)]);
  return files;
}

/**
 * Reads `summary.json`, `metrics.jsonl` and `config.json` of a run (a RunStore, or a run
 * directory in Node) and writes the report files (reportFiles) there, each replaced whole.
 * Returns where they were written. A missing or malformed input is a UserError naming it.
 */
export function writeReport(run: RunStore | string): string[] {
  const store = openRunStore(run);
  const read = (key: typeof runKeys.summary): [string, string] => {
    const text = store.getText(key);
    if (text === undefined) throw new UserError(`cannot write report: missing ${store.where(key)}`);
    return [text, store.where(key)];
  };
  const json = ([text, where]: [string, string]): unknown => {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new UserError(`${where}: invalid JSON (${(e as Error).message})`);
    }
  };
  const summaryText = read(runKeys.summary);
  const metricsText = read(runKeys.metrics);
  const config = json(read(runKeys.config));
  const summary = parseSummary(json(summaryText), summaryText[1]);
  const metrics = parseMetricRows(parseJsonl(...metricsText), metricsText[1]);
  return reportFiles(summary, metrics, config).map(([name, text]) => {
    const key = runKeys.report(name);
    store.putText(key, text);
    return store.where(key);
  });
}

function htmlPage(summary: Summary, metrics: MetricRow[], config: unknown, plots: ReportPlots): string {
  const branches = branchOrder(summary);
  const trials = Math.max(0, ...summary.rounds.flatMap((r) => Object.values(r.branches).map((b) => b.trials.length)));
  const figures: [string, string][] = [
    [plots.accuracy, 'Test accuracy at the early-stop iteration (minimum validation loss), mean over trials; the band spans min to max.'],
    [plots.earlyStop, 'Iteration of minimum validation loss, mean over trials; the band spans min to max.'],
    [plots.curves, 'Test accuracy during training of selected rounds, mean over trials (band: min to max).'],
  ];
  if (plots.wallTime) figures.push([plots.wallTime, 'Wall-clock seconds per training trial, mean over trials (band: min to max).']);
  if (plots.f1) figures.push([plots.f1, 'Test F1 of class 1 (spam) at the early-stop iteration, mean over trials (band: min to max); the grey line is the dense network of round 0.']);
  if (plots.instability) figures.push([plots.instability, 'Linear mode connectivity: maximum test error on the line between two copies trained from the rewind point on different data orders, minus the mean error of the two copies (band: min to max over trials). Near 0: stable.']);
  const title = `Lottery ticket experiment: ${summary.name}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p class="meta">${summary.rounds.length} rounds; branches: ${escapeXml(branches.map(branchLabel).join(', ') || 'none')}; up to ${trials} trials per branch; ${metrics.length} evaluations. Accuracies are test accuracy in percent.</p>
${configSection(config)}
<h2>Plots</h2>
<div class="plots">
${figures.map(([svg, cap]) => `<figure>\n${inlineSvg(svg)}<figcaption>${escapeXml(cap)}</figcaption>\n</figure>`).join('\n')}
</div>
<h2>Results</h2>
<div class="scroll">
${resultsTable(summary, branches)}
</div>
</body>
</html>
`;
}

function resultsTable(summary: Summary, branches: string[]): string {
  const hasWall = (b: string) => summary.rounds.some((r) => r.branches[b]?.wallSeconds !== undefined);
  const head1 = branches.map((b) => `<th colspan="${hasWall(b) ? 4 : 3}">${escapeXml(branchLabel(b))}</th>`).join('');
  const head2 = branches
    .map((b) => '<th>Early-stop iteration</th><th>Test acc. at early stop</th><th>Final test acc.</th>' + (hasWall(b) ? '<th>Seconds per trial</th>' : ''))
    .join('');
  const rows = summary.rounds.map((r) => {
    const cells = branches.map((b) => {
      const s = r.branches[b];
      const width = hasWall(b) ? 4 : 3;
      const diverged = divergedCount(r, b);
      if (!s) return diverged > 0 ? `<td class="diverged" colspan="${width}">diverged</td>` : '<td class="num">-</td>'.repeat(width);
      return branchCells(s, hasWall(b), diverged);
    });
    return `<tr><td class="num">${r.round}</td><td class="num">${formatRemaining(r.weightsRemaining)}</td>${cells.join('')}</tr>`;
  });
  return `<table class="results">
<thead><tr><th rowspan="2">Round</th><th rowspan="2">Weights remaining (%)</th>${head1}</tr>
<tr>${head2}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>${divergedSection(summary)}`;
}

// The diverged trials, one per line: they are left out of every mean above.
function divergedSection(summary: Summary): string {
  const notes = summary.rounds.flatMap((r) => (r.diverged ?? []).map((d) => `<li>${escapeXml(divergedNote(r.round, d))}</li>`));
  return notes.length === 0 ? '' : `\n<p class="diverged">Diverged trials (a loss became NaN or infinite; lower the learning rate):</p>\n<ul class="diverged">\n${notes.join('\n')}\n</ul>`;
}

function branchCells(s: BranchSummary, withWall: boolean, diverged: number): string {
  const many = s.trials.length > 1;
  const range = (lo: string, hi: string) => (many ? `<span class="range">${lo}–${hi}</span>` : '');
  const es = formatIteration(s.earlyStopIteration) + range(formatIteration(s.earlyStopIterationMin), formatIteration(s.earlyStopIterationMax));
  const acc =
    formatAccuracy(s.testAccuracyAtEarlyStop) + range(formatAccuracy(s.testAccuracyAtEarlyStopMin), formatAccuracy(s.testAccuracyAtEarlyStopMax)) +
    (diverged > 0 ? `<span class="range">${diverged} diverged, not in the mean</span>` : '');
  const wall = withWall ? `<td class="num">${s.wallSeconds === undefined ? '-' : formatSeconds(s.wallSeconds)}</td>` : '';
  return `<td class="num">${es}</td><td class="num">${acc}</td><td class="num">${formatAccuracy(s.finalTestAccuracy)}</td>${wall}`;
}

function configSection(config: unknown): string {
  const rows = flatten(config, '');
  const body = rows.map(([k, v]) => `<tr><td class="key">${escapeXml(k)}</td><td>${escapeXml(v)}</td></tr>`).join('\n');
  return `<details>
<summary>Configuration (${rows.length} settings)</summary>
<table class="config">
<thead><tr><th>Setting</th><th>Value</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</details>`;
}

/** Nested objects become dotted keys; arrays and primitives are shown as JSON. */
function flatten(value: unknown, prefix: string): [string, string][] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix || '(config)', typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))]];
}

/** HTML parses inline <svg> into the SVG namespace itself; dropping xmlns keeps the page URL-free. */
function inlineSvg(svg: string): string {
  return svg.replace(' xmlns="http://www.w3.org/2000/svg"', '');
}

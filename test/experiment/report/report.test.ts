import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport, writeReport } from '../../../src/experiment/report/report.ts';
import { renderTable } from '../../../src/experiment/report/table.ts';
import { renderPlots, selectCurveRounds } from '../../../src/experiment/report/plots.ts';
import { appendJsonl, writeFileAtomic, writeJsonAtomic } from '../../../src/experiment/io/atomic.ts';
import { UserError } from '../../../src/util/errors.ts';
import { fabricate } from './fixture.ts';
import { count, markupProblems } from './xml.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lth-report-'));
  dirs.push(d);
  return d;
}
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const small = fabricate({ rounds: 8, trials: 2, iterations: 4000, every: 500 });

test('report has a row per round, every branch, and three plots', () => {
  const html = renderReport(small.summary, small.metrics, small.config);
  assert.equal(markupProblems(html, true), []);
  const tbody = html.split('<table class="results">')[1]!.split('</table>')[0]!;
  assert.is(count(tbody, /<tr><td class="num">/), 8);
  for (const r of small.summary.rounds) assert.ok(tbody.includes(`<tr><td class="num">${r.round}</td>`), `round ${r.round}`);
  for (const label of ['winning ticket', 'random reinit', 'random pruning']) assert.ok(html.includes(label), label);
  assert.is(count(html, /<svg /), 3);
  assert.ok(html.includes('51.2'), 'weights remaining of round 3');
  assert.ok(html.includes('lenet300100'), 'config value');
  assert.ok(html.includes('<td class="key">optimizer.lr</td>'), 'nested config key flattened');
});

test('report is self-contained: no external references', () => {
  const html = renderReport(small.summary, small.metrics, small.config);
  assert.not.match(html, /https?:/);
  assert.not.match(html, /\bsrc=/);
  assert.not.match(html, /\bhref=/);
  assert.not.match(html, /@import/);
  assert.not.match(html, /url\((?!#)/);
});

test('names and config values are escaped', () => {
  const summary = { ...small.summary, name: '<script>alert(1)</script>' };
  const html = renderReport(summary, small.metrics, { note: 'a & b <c>' });
  assert.not.ok(html.includes('<script>'));
  assert.ok(html.includes('&lt;script&gt;'));
  assert.ok(html.includes('a &amp; b &lt;c&gt;'));
  assert.equal(markupProblems(html, true), []);
});

test('wall time plot and column appear only when recorded', () => {
  const withWall = fabricate({ rounds: 4, trials: 2, iterations: 1000, wall: true });
  assert.ok(renderPlots(withWall.summary, withWall.metrics).wallTime);
  assert.is(renderPlots(small.summary, small.metrics).wallTime, undefined);
  const html = renderReport(withWall.summary, withWall.metrics, {});
  assert.is(count(html, /<svg /), 4);
  assert.ok(html.includes('Seconds per trial'));
});

test('learning curves: one line per chosen round of the ticket branch', () => {
  const plots = renderPlots(small.summary, small.metrics);
  assert.is(count(plots.curves, /class="series-line"/), 6);
  assert.ok(plots.curves.includes('Learning curves: winning ticket'));
  assert.ok(plots.curves.includes('100% (round 0)'));
  assert.is(count(plots.accuracy, /class="series-line"/), 3);
  assert.is(count(plots.accuracy, /class="band"/), 3);
});

test('an empty run still renders a valid page and table', () => {
  const empty = { name: 'empty', rounds: [] };
  const html = renderReport(empty, [], {});
  assert.equal(markupProblems(html, true), []);
  assert.is(count(html, /<svg /), 3);
  assert.ok(html.includes('no data'));
  assert.is(renderTable(empty).trimEnd().split('\n').length, 3);
});

test('selectCurveRounds: all when few, else nearest to the paper levels', () => {
  const rounds = (n: number) => Array.from({ length: n }, (_, r) => ({ round: r, weightsRemaining: 0.8 ** r }));
  assert.equal(selectCurveRounds(rounds(4)), [0, 1, 2, 3]);
  // 0.8^r: r=3 51.2%, r=7 21.0%, r=12 6.87%, r=15 3.52%, r=18 1.80%
  assert.equal(selectCurveRounds(rounds(20)), [0, 3, 7, 12, 15, 18]);
  // Only down to 21%: the paper's sparse levels collapse onto round 7, the rest is topped up.
  const picked = selectCurveRounds(rounds(8));
  assert.is(picked.length, 6);
  assert.ok(picked.includes(0) && picked.includes(3) && picked.includes(7));
});

test('renderTable: header, one aligned line per round, missing branches as -', () => {
  const text = renderTable(small.summary);
  const lines = text.trimEnd().split('\n');
  assert.is(lines.length, 3 + 8);
  assert.ok(lines[0]!.includes(small.summary.name));
  assert.ok(lines[1]!.includes('winning ticket') && lines[1]!.includes('random pruning'));
  const widths = new Set(lines.slice(2).map((l) => l.length));
  assert.is(widths.size, 1, 'every row has the same width');
  assert.match(lines[3]!, /^\s+0\s+100\s+\d+\s+\d+\.\d\d \[\d+\.\d\d-\d+\.\d\d\]\s+\d+\.\d\d\s+-/);
  const col = lines[2]!.indexOf('remaining %') + 'remaining %'.length;
  for (const l of lines.slice(3)) assert.is(l[col - 1] === ' ', false, `right-aligned remaining: ${l}`);
});

function writeRun(dir: string): void {
  writeJsonAtomic(join(dir, 'summary.json'), small.summary);
  writeJsonAtomic(join(dir, 'config.json'), small.config);
  writeFileAtomic(join(dir, 'metrics.jsonl'), small.metrics.map((m) => JSON.stringify(m)).join('\n') + '\n');
}

test('writeReport writes the report and plots atomically', () => {
  const d = tempDir();
  writeRun(d);
  const written = writeReport(d);
  assert.equal(written.map((p) => p.slice(d.length + 1)).sort(), ['plot-accuracy.svg', 'plot-curves.svg', 'plot-early-stop.svg', 'report.html']);
  assert.equal(readdirSync(d).sort(), ['config.json', 'metrics.jsonl', 'plot-accuracy.svg', 'plot-curves.svg', 'plot-early-stop.svg', 'report.html', 'summary.json']);
  const svg = readFileSync(join(d, 'plot-accuracy.svg'), 'utf8');
  assert.equal(markupProblems(svg), []);
  assert.ok(svg.includes('xmlns="http://www.w3.org/2000/svg"'), 'standalone SVG keeps its namespace');
  assert.is(readFileSync(join(d, 'report.html'), 'utf8'), renderReport(small.summary, small.metrics, small.config));
});

test('writeReport names a missing file', () => {
  for (const missing of ['summary.json', 'metrics.jsonl', 'config.json']) {
    const d = tempDir();
    writeRun(d);
    rmSync(join(d, missing));
    assert.throws(() => writeReport(d), (e: Error) => e instanceof UserError && e.message.includes(join(d, missing)), missing);
  }
});

test('writeReport names a malformed field', () => {
  const d = tempDir();
  writeRun(d);
  const bad = JSON.parse(JSON.stringify(small.summary));
  bad.rounds[2].branches.reinit.earlyStopIteration = 'soon';
  writeJsonAtomic(join(d, 'summary.json'), bad);
  assert.throws(() => writeReport(d), (e: Error) => e instanceof UserError && e.message.includes('rounds[2].branches.reinit.earlyStopIteration'));
  writeRun(d);
  writeFileSync(join(d, 'metrics.jsonl'), '{"round":0,"branch":"ticket","trial":0,"iteration":"x"}\n');
  assert.throws(() => writeReport(d), (e: Error) => e instanceof UserError && /metrics\.jsonl: row 1\.iteration/.test(e.message));
});

test('a null (NaN) loss in metrics is accepted and skipped in plots', () => {
  const d = tempDir();
  writeRun(d);
  appendJsonl(join(d, 'metrics.jsonl'), { round: 0, branch: 'ticket', trial: 0, iteration: 4500, valLoss: null, valAccuracy: null, testLoss: null, testAccuracy: null });
  writeReport(d);
  assert.not.ok(readFileSync(join(d, 'plot-curves.svg'), 'utf8').includes('NaN'));
});

test.run();

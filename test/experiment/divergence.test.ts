import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/experiment/config.ts';
import type { RunEvent } from '../../src/experiment/runner.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { RunDir } from '../../src/experiment/store.ts';
import { writeReport } from '../../src/experiment/report/report.ts';
import { renderTable } from '../../src/experiment/report/table.ts';
import type { Summary } from '../../src/experiment/report/types.ts';

// SGD at lr 4, momentum 0.9, weight decay 0.1 diverges within ~15-25 iterations, when depends
// on the seed: here trial 1 (seed 4) diverges in round 0 within 19 iterations, trial 0 (seed 3) not.
const splitting = {
  name: 'diverging',
  model: 'lenet300',
  widthMultiplier: 0.1,
  dataset: 'synthetic',
  iterations: 19,
  evalEvery: 5,
  batchSize: 30,
  kernels: 'dense',
  seed: 3,
  trials: 2,
  optimizer: { kind: 'sgd', lr: 4, momentum: 0.9, weightDecay: 0.1 },
  pruning: { rounds: 2, rates: { default: 0.5, output: 0.2 } },
  branches: ['ticket', 'reinit', 'instability'],
};

const tmp = mkdtempSync(join(tmpdir(), 'lth-diverge-'));

async function collect(gen: AsyncGenerator<RunEvent, void>): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const ev of gen) out.push(ev);
  return out;
}

const divergedPieces = (events: RunEvent[]): string[] => events.flatMap((e) => (e.kind === 'diverged' ? [`${e.round}/${e.trial}/${e.branch}${e.skipped ? ' (earlier run)' : ''}`] : []));
let firstRun: string[] = [];

const summaryOf = (out: string): Summary => JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
const deterministic = (s: Summary): unknown => JSON.parse(JSON.stringify(s, (k, v) => (k === 'wallSeconds' ? undefined : v)));

test('one trial diverges: its chain stops with one event, the other trial and branches go on, means leave it out', async () => {
  const cfg = resolveConfig(splitting);
  const out = join(tmp, 'split');
  const events = await collect(runExperiment(cfg, out));
  firstRun = divergedPieces(events);
  const dir = new RunDir(out);
  const ticket1 = JSON.parse(readFileSync(dir.result(0, 1, 'ticket'), 'utf8'));
  assert.equal(Object.keys(ticket1.diverged).sort(), ['iteration', 'loss']);
  assert.ok(ticket1.diverged.iteration <= 19);
  assert.ok(['NaN', 'Infinity', '-Infinity'].includes(ticket1.diverged.loss));
  assert.is(JSON.parse(readFileSync(dir.result(0, 0, 'ticket'), 'utf8')).diverged, undefined, 'trial 0 (seed 3) trains through round 0');
  // one event for the diverged ticket, naming what is not run: round 0's instability and 2 rounds x 3 branches
  const div = events.filter((e) => e.kind === 'diverged' && e.trial === 1 && e.round === 0);
  assert.equal(div.map((e) => e.kind === 'diverged' && [e.branch, e.notRun, e.skipped]), [['ticket', 7, false]]);
  // nothing was built on NaN weights: no rewind point, no trained weights, no later rounds of trial 1
  assert.not.ok(existsSync(dir.rewind(1)));
  assert.not.ok(existsSync(dir.finalWeights(0, 1, 'ticket')));
  assert.not.ok(existsSync(dir.result(0, 1, 'instability')));
  for (const r of [1, 2]) assert.not.ok(existsSync(dir.piece(r, 1)), `round ${r} of trial 1 not run`);
  // trial 0 goes on through every round and branch
  for (const r of [1, 2]) for (const br of ['ticket', 'reinit', 'instability']) assert.ok(existsSync(dir.result(r, 0, br)), `round ${r} ${br}`);
  const s = summaryOf(out);
  const round0 = s.rounds[0];
  assert.equal(round0.branches.ticket.trials.map((t) => t.seed), [3], 'the mean is over the trial that did not diverge');
  assert.equal(round0.diverged?.map((d) => [d.branch, d.trial, d.seed]), [['ticket', 1, 4]]);
  assert.is(round0.branches.ticket.testAccuracyAtEarlyStop, JSON.parse(readFileSync(dir.result(0, 0, 'ticket'), 'utf8')).testAccuracyAtEarlyStop);
  const table = renderTable(s);
  assert.match(table, /\(1 diverged\)/);
  assert.match(table, /round 0, winning ticket, trial 1 \(seed 4\): diverged at iteration \d+ \(loss \w+\), left out of the means; trial 1 stops here/);
  writeReport(out);
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /Diverged trials.*\n<ul class="diverged">\n<li>round 0, winning ticket, trial 1/);
});

test('a restart redoes nothing, does not crash, reports the divergence again and keeps the summary', async () => {
  const cfg = resolveConfig(splitting);
  const out = join(tmp, 'split');
  const before = summaryOf(out);
  const events = await collect(runExperiment(cfg, out));
  assert.is(events.filter((e) => e.kind === 'pieceDone').length, 0);
  const start = events.find((e) => e.kind === 'start');
  // 2 trials x (2 + 2 x 3) pieces, less the 7 that build on the diverged ticket; all of them done
  assert.equal(start, { kind: 'start', totalPieces: 16 - 7, donePieces: 9 });
  assert.ok(firstRun.includes('0/1/ticket'));
  assert.equal(divergedPieces(events), firstRun.map((p) => `${p} (earlier run)`));
  assert.equal(deterministic(summaryOf(out)), deterministic(before));
});

test('every branch kind records a divergence of its own training as a diverged piece', async () => {
  // seed 3 alone: the ticket trains, and in round 1 the pruned controls diverge at lr 4
  const cfg = resolveConfig({ ...splitting, trials: 1, pruning: { rounds: 1, rates: { default: 0.5, output: 0.2 } }, branches: ['ticket', 'randomPrune', 'instability', 'fineTune', 'snip', 'set'] });
  const out = join(tmp, 'branches');
  const events = await collect(runExperiment(cfg, out));
  const dir = new RunDir(out);
  const diverged = events.flatMap((e) => (e.kind === 'diverged' ? [e.branch] : []));
  // the setting must make each kind diverge for this test to check it: instability (either
  // copy), fine-tuning, pruning at init, dynamic sparse training, a random control
  for (const br of ['randomPrune', 'instability', 'fineTune', 'snip', 'set'] as const) assert.ok(diverged.includes(br), `${br} diverged at lr 4`);
  for (const br of diverged) {
    const p = JSON.parse(readFileSync(dir.result(1, 0, br), 'utf8'));
    assert.ok(Number.isInteger(p.diverged.iteration), br);
    assert.not.ok(existsSync(dir.finalWeights(1, 0, br)), `${br}: no weights saved from a diverged run`);
  }
  const s = summaryOf(out);
  for (const br of diverged) assert.is(s.rounds[1].branches[br], undefined, `${br}: all trials diverged, no means`);
  assert.match(renderTable(s), /diverged/);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();

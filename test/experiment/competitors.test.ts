import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/experiment/config.ts';
import type { PieceResult } from '../../src/experiment/pieces.ts';
import type { Summary } from '../../src/experiment/report/types.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { RunDir, loadMasks } from '../../src/experiment/store.ts';
import { countOnes, maskTotals } from '../../src/prune/masks.ts';
import { writeReport } from '../../src/experiment/report/report.ts';

test('every competitor branch trains at the ticket\'s size and lands in the summary and report', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lth-comp-'));
  const cfg = resolveConfig({
    name: 'comp', model: 'lenet300', widthMultiplier: 0.1, dataset: 'synthetic', iterations: 60, evalEvery: 20, batchSize: 30,
    pruning: { rounds: 2, rates: { default: 0.5, output: 0.2 } },
    branches: ['reinit', 'randomPrune', 'fineTune', 'snip', 'grasp', 'synflow', 'randomInit', 'set', 'rigl', 'deepR'],
    atInit: { batches: 2, synflowIterations: 10 }, dynamic: { interval: 10 }, trials: 1,
  });
  const out = join(tmp, 'run');
  for await (const _ of runExperiment(cfg, out)) void _;
  const dir = new RunDir(out);
  const ticket = loadMasks(dir.mask(2, 0));
  const want = maskTotals(ticket);
  for (const br of cfg.branches) {
    const p = JSON.parse(readFileSync(dir.result(2, 0, br), 'utf8')) as PieceResult;
    assert.ok(Math.abs(p.weightsRemaining - want.remaining / want.total) < 1e-12, `${br}: ${p.weightsRemaining}`);
    assert.is(p.evals.length, 3, br);
  }
  for (const br of ['snip', 'grasp', 'synflow', 'randomInit']) {
    const m = loadMasks(dir.branchMask(2, 0, br));
    assert.is(maskTotals(m).remaining, want.remaining, br);
  }
  // ticketLayers allocation is not the default: SNIP's per-layer counts differ from the ticket's
  const snip = loadMasks(dir.branchMask(2, 0, 'snip'));
  assert.ok(Object.keys(ticket).some((k) => countOnes(snip[k]) !== countOnes(ticket[k])));
  const summary = JSON.parse(readFileSync(dir.summary, 'utf8')) as Summary;
  assert.equal(Object.keys(summary.rounds[2].branches).sort(), [...cfg.branches].sort());
  writeReport(out);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  for (const label of ['SNIP', 'GraSP', 'SynFlow', 'DEEP-R']) assert.match(html, new RegExp(label, 'i'));
  rmSync(tmp, { recursive: true, force: true });
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/experiment/config.ts';
import { alphas, errorBarrier, interpolateWeights } from '../../src/experiment/instability.ts';
import { parseRewindPoints, sweepConfig } from '../../src/experiment/sweep.ts';
import type { PieceResult } from '../../src/experiment/pieces.ts';
import type { Summary } from '../../src/experiment/report/types.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { RunDir } from '../../src/experiment/store.ts';

test('errorBarrier: max error on the path minus the mean of the end errors', () => {
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(errorBarrier([0.1, 0.3, 0.5, 0.2, 0.1]), 0.4);
  close(errorBarrier([0.2, 0.15, 0.1]), 0.05); // the higher end is the max: barrier = (0.2 - 0.1) / 2
  assert.ok(Math.abs(errorBarrier([0.1, 0.1, 0.1])) < 1e-12);
  assert.throws(() => errorBarrier([0.1]), /at least/);
});

test('interpolation: alpha 0 and 1 are the end points, 1/2 the midpoint', () => {
  const a = { w: Float32Array.from([0, 2, -4]) };
  const b = { w: Float32Array.from([2, 2, 4]) };
  assert.equal(Array.from(interpolateWeights(a, b, 0).w), [0, 2, -4]);
  assert.equal(Array.from(interpolateWeights(a, b, 1).w), [2, 2, 4]);
  assert.equal(Array.from(interpolateWeights(a, b, 0.5).w), [1, 2, 0]);
  const xs = alphas(30);
  assert.is(xs.length, 30);
  assert.is(xs[0], 0);
  assert.is(xs[29], 1);
  assert.throws(() => interpolateWeights(a, { w: new Float32Array(2) }, 0.5), /differs/);
});

test('instability branch with late rewinding: a barrier per round from two copies trained from iteration k', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lth-inst-'));
  const cfg = resolveConfig({
    name: 'inst', model: 'lenet300', widthMultiplier: 0.1, dataset: 'synthetic', iterations: 80, evalEvery: 20, batchSize: 30,
    pruning: { rounds: 1, rewindIteration: 20 }, branches: ['instability'], trials: 1,
  });
  const out = join(tmp, 'run');
  for await (const _ of runExperiment(cfg, out)) void _;
  const dir = new RunDir(out);
  const piece = JSON.parse(readFileSync(dir.result(1, 0, 'instability'), 'utf8')) as PieceResult;
  const extras = piece.extras as { barrier: number; path: { alpha: number; testError: number }[]; rewindIteration: number };
  assert.is(extras.path.length, 30);
  assert.is(extras.rewindIteration, 20);
  assert.ok(Math.abs(extras.barrier - errorBarrier(extras.path.map((p) => p.testError))) < 1e-12);
  // trained from the rewind point: evaluations at 40, 60, 80 only
  assert.equal(piece.evals.map((e) => e.iteration), [40, 60, 80]);
  const ticket = JSON.parse(readFileSync(dir.result(1, 0, 'ticket'), 'utf8')) as PieceResult;
  assert.equal(ticket.evals.map((e) => e.iteration), [40, 60, 80]);
  const summary = JSON.parse(readFileSync(dir.summary, 'utf8')) as Summary;
  assert.ok(summary.rounds[0].branches.instability.extras?.barrier);
  assert.is(summary.rounds[1].branches.instability.extras?.barrier.mean, extras.barrier);
  rmSync(tmp, { recursive: true, force: true });
});

test('rewind points: iterations, percent of training, epochs; sorted, deduplicated, before the end', () => {
  assert.equal(parseRewindPoints('500,0,2%,1ep,100', 10000, 116), [0, 100, 116, 200, 500]);
  assert.throws(() => parseRewindPoints('10000', 10000, 116), /not before the end/);
  assert.throws(() => parseRewindPoints('soon', 10000, 116), /--rewind: expected/);
  const c = sweepConfig(resolveConfig({ name: 'x', branches: ['reinit'] }), 100);
  assert.is(c.name, 'x-k100');
  assert.is(c.pruning.rewindIteration, 100);
  assert.equal(c.branches, ['ticket', 'reinit', 'instability']);
});

test.run();

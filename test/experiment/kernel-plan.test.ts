// `kernels: 'auto'` through the run's kernel plan: a killed and resumed run computes exactly what
// an uninterrupted one does, and a ticket and its controls train on the same kernels, with
// layers big enough that 'auto' really decides (LeNet-300-100 at full width, batch 60, 50%).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { resolveConfig } from '../../src/experiment/config.ts';
import { readKernelPlan } from '../../src/experiment/kernel-plan-file.ts';
import type { PieceResult } from '../../src/experiment/pieces.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { RunDir } from '../../src/experiment/store.ts';
import { type Crossover, clearCrossoverCache, setCrossoverHook } from '../../src/train/crossover.ts';

const cfg = resolveConfig({
  name: 'auto-kernels',
  model: 'lenet300',
  dataset: 'synthetic',
  kernels: 'auto',
  iterations: 4,
  evalEvery: 4,
  batchSize: 60,
  pruning: { rounds: 2, rates: { default: 0.5, output: 0.5 } },
  branches: ['ticket', 'reinit'],
  trials: 1,
});
const tmp = mkdtempSync(join(tmpdir(), 'lth-kernel-plan-run-'));

/**
 * Timings that favour sparse the first time a (shape, density) is measured in this test's
 * "machine" and dense every later time: as a busy machine might, and enough to flip a choice
 * that a restarted process measures again. Starts the process afresh (empty crossover cache).
 */
function flakyMachine(): void {
  const seen = new Map<string, number>();
  clearCrossoverCache();
  setCrossoverHook((key): Crossover => {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n === 1 ? { denseMs: 2, sparseMs: 1 } : { denseMs: 1, sparseMs: 2 };
  });
}

async function drain(out: string, stopAfter = Infinity): Promise<void> {
  let n = 0;
  for await (const ev of runExperiment(cfg, out)) if (ev.kind === 'pieceDone' && ++n >= stopAfter) break;
}

/** Runs 2 pieces (round 0 ticket, round 1 ticket), "restarts the process", finishes the run. */
async function killedAndResumed(out: string, between: () => void = () => {}): Promise<void> {
  await drain(out, 2);
  clearCrossoverCache(); // a new process: nothing measured in memory
  between();
  await drain(out);
}

/** Every file of a run directory: piece results without wall-clock fields, other files as bytes. */
function contents(out: string): Map<string, unknown> {
  const files = new Map<string, unknown>();
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(out, p), p.endsWith('.json') ? JSON.parse(readFileSync(p, 'utf8'), (k, v) => (k === 'wallSeconds' || k === 'stepsPerSecond' ? undefined : v)) : readFileSync(p));
    }
  };
  walk(out);
  return files;
}

function piece(out: string, round: number, branch: string): PieceResult {
  return JSON.parse(readFileSync(new RunDir(out).result(round, 0, branch), 'utf8')) as PieceResult;
}

test.after.each(() => setCrossoverHook(null));

test('a killed and resumed auto run equals the uninterrupted one bit for bit; ticket and reinit share kernels', async () => {
  const whole = join(tmp, 'whole');
  flakyMachine();
  await drain(whole);
  const resumed = join(tmp, 'resumed');
  flakyMachine();
  await killedAndResumed(resumed);

  const a = contents(whole);
  const b = contents(resumed);
  assert.equal([...b.keys()].sort(), [...a.keys()].sort());
  for (const [file, value] of a) assert.equal(b.get(file), value, file);

  // 'auto' really decided: fc1 (300x784) and fc2 (100x300) at 50% and 25%, fc3 (10x100) too small to measure
  const plan = readKernelPlan(new RunDir(whole).kernelPlan);
  assert.equal(Object.keys(plan).map((k) => k.split('|')[0]).sort(), ['fc1', 'fc1', 'fc2', 'fc2']);
  for (const round of [1, 2]) {
    const ticket = piece(resumed, round, 'ticket').kernels;
    assert.equal(piece(resumed, round, 'reinit').kernels, ticket, `round ${round}: reinit trained on the ticket's kernels`);
    assert.equal([ticket.fc1.path, ticket.fc2.path, ticket.fc3.path], ['sparse', 'sparse', 'dense']);
  }
});

test('without the stored plan the restarted half measures again and its reinit takes other kernels (what the plan prevents)', async () => {
  const out = join(tmp, 'no-plan');
  flakyMachine();
  await killedAndResumed(out, () => rmSync(new RunDir(out).kernelPlan));
  const ticket = piece(out, 1, 'ticket').kernels; // trained before the restart
  const reinit = piece(out, 1, 'reinit').kernels; // after it, re-measured
  assert.is(ticket.fc1.path, 'sparse');
  assert.is(reinit.fc1.path, 'dense');
  const whole = JSON.parse(readFileSync(join(tmp, 'whole', 'summary.json'), 'utf8'));
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.not.equal(summary.rounds[1].branches.reinit, whole.rounds[1].branches.reinit);
});

test('auto kernels measured for real: decisions recorded with their timings, ticket and reinit alike', async () => {
  const out = join(tmp, 'measured');
  clearCrossoverCache();
  const real = resolveConfig({ ...cfg, pruning: { ...cfg.pruning, rounds: 1 } });
  for await (const _ of runExperiment(real, out));
  const plan = readKernelPlan(new RunDir(out).kernelPlan);
  const entries = Object.entries(plan);
  assert.is(entries.length, 2);
  for (const [key, c] of entries) {
    assert.ok(c.denseMs! > 0 && c.sparseMs! > 0, key);
    assert.is(c.path, c.sparseMs! < c.denseMs! ? 'sparse' : 'dense', key);
  }
  const ticket = piece(out, 1, 'ticket').kernels;
  assert.equal(piece(out, 1, 'reinit').kernels, ticket);
  assert.equal(ticket.fc1, plan[entries.find(([k]) => k.startsWith('fc1|'))![0]]);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();

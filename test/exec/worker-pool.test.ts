/**
 * Pieces on worker threads: the summary and every tensor file are the same bytes for any number
 * of workers (forced dense kernels), pieces really run side by side, and a parallel run stopped
 * after a few pieces resumes to the same summary.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { resolveConfig } from '../../src/experiment/config.ts';
import { allPieces } from '../../src/experiment/piece-graph.ts';
import type { RunEvent } from '../../src/experiment/runner.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { FileStore } from '../../src/experiment/store/fs-store.ts';
import { pieceWorkerData, workerPool } from '../../src/exec/worker-pool.ts';
import { availableParallelism } from 'node:os';
import { makeSyntheticDataset } from '../../src/data/synthetic.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lth-pool-'));
const cfg = resolveConfig({
  name: 'pool', model: 'lenet300', widthMultiplier: 0.1, dataset: 'synthetic', kernels: 'dense',
  iterations: 40, evalEvery: 20, batchSize: 30, pruning: { rounds: 2, rates: { default: 0.5, output: 0.2 } },
  branches: ['ticket', 'reinit', 'randomPrune'], trials: 2,
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs into `dir` with `workers` (1: in this thread), stopping after `stopAfter` finished pieces; returns the events. */
async function run(dir: string, workers: number, stopAfter = Infinity): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  let done = 0;
  for await (const e of runExperiment(cfg, dir, { executor: workers > 1 ? workerPool(workers) : undefined })) {
    events.push(e);
    if (e.kind === 'pieceDone' && ++done >= stopAfter) break;
  }
  return events;
}

/** summary.json without its wall-clock fields. */
function summaryOf(dir: string): string {
  return JSON.stringify(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')), (k, v) => (k === 'wallSeconds' ? undefined : v));
}

/** Every .safetensors file under `dir` (masks, rewind, trained weights) by relative path. */
function tensorFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) if (f.endsWith('.safetensors')) out.set(relative(dir, join(dir, f)), readFileSync(join(dir, f)));
  return out;
}

// The most pieces running at once, from the events' order.
function peakRunning(events: RunEvent[]): number {
  let now = 0;
  let peak = 0;
  for (const e of events) {
    if (e.kind === 'piece' && !e.skipped) peak = Math.max(peak, ++now);
    if (e.kind === 'pieceDone') now--;
  }
  return peak;
}

test('the summary, masks and weights are the same bytes for 1, 2 and 3 workers, and pieces ran side by side', async () => {
  const one = join(tmp, 'w1');
  await run(one, 1);
  const expected = tensorFiles(one);
  assert.ok(expected.size >= 14, `${expected.size} tensor files`);
  for (const workers of [2, 3]) {
    const dir = join(tmp, `w${workers}`);
    const events = await run(dir, workers);
    assert.ok(peakRunning(events) >= 2, `with ${workers} workers, pieces ran one at a time`);
    assert.is(summaryOf(dir), summaryOf(one), `summary with ${workers} workers`);
    const got = tensorFiles(dir);
    assert.equal([...got.keys()].sort(), [...expected.keys()].sort());
    for (const [f, bytes] of expected) assert.ok(bytes.equals(got.get(f)!), `${f} differs with ${workers} workers`);
    // every iteration event says which piece it belongs to (the progress display needs it)
    assert.ok(events.filter((e) => e.kind === 'iteration').every((e) => e.kind === 'iteration' && e.piece !== undefined));
  }
});

test('a parallel run stopped after a few pieces leaves only whole results, and resumes to the same summary', async () => {
  const dir = join(tmp, 'killed');
  const first = await run(dir, 2, 4);
  assert.is(first.filter((e) => e.kind === 'pieceDone').length, 4);
  const store = new FileStore(dir);
  const done = allPieces(cfg).filter((id) => store.getResult(id) !== undefined); // throws on a partial result
  assert.ok(done.length >= 4 && done.length < allPieces(cfg).length, `${done.length} pieces done`);
  const resumed = await run(dir, 2);
  assert.equal(resumed.find((e) => e.kind === 'start'), { kind: 'start', totalPieces: allPieces(cfg).length, donePieces: done.length });
  assert.is(summaryOf(dir), summaryOf(join(tmp, 'w1')));
});

test('with threads 0 (automatic) each piece thread gets max(1, floor(cores / workers)) kernel threads, as lth run and lth worker split them', () => {
  const data = makeSyntheticDataset({ train: 12, val: 6, test: 6 });
  const cores = availableParallelism();
  for (const workers of [1, 2, 3, cores, cores + 1, cores * 4]) {
    const d = pieceWorkerData(data, workers);
    assert.is(d.threads, Math.max(1, Math.floor(cores / workers)), `${workers} workers on ${cores} cores`);
    assert.is(d.data, data);
  }
});

test('worker threads need a run directory', async () => {
  const { MemoryStore } = await import('../../src/experiment/store/memory-store.ts');
  const { rejectsUser } = await import('../fixtures/user-error.ts');
  await rejectsUser(run1(new MemoryStore()), ['memory:run', 'not one', 'one worker']);
});

async function run1(store: import('../../src/experiment/store/run-store.ts').RunStore): Promise<void> {
  for await (const _ of runExperiment(cfg, store, { executor: workerPool(2) }));
}

test.run();

/**
 * A piece that fails for good (an executor's PieceFailedError, as the queue reports one) is
 * reported with its reason, nothing that builds on it runs, the other pieces do, and the
 * summary is written from what ran; any other error still ends the run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../src/experiment/config.ts';
import { pieceKey } from '../../src/experiment/piece-graph.ts';
import type { RunEvent } from '../../src/experiment/runner.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { type ExecutorFactory, PieceFailedError, inProcess } from '../../src/experiment/scheduler.ts';
import { runKeys } from '../../src/experiment/store/keys.ts';
import { MemoryStore } from '../../src/experiment/store/memory-store.ts';

const cfg = resolveConfig({
  name: 'failed', model: 'lenet300', widthMultiplier: 0.1, dataset: 'synthetic', kernels: 'dense',
  iterations: 20, evalEvery: 10, batchSize: 30, pruning: { rounds: 2, rates: { default: 0.5, output: 0.2 } },
  branches: ['ticket', 'reinit'], trials: 2,
});

// In-process, but piece `bad` fails (as a queue's piece does after its attempts) or throws `error`.
function failing(bad: string, error: Error): ExecutorFactory {
  return (inputs) => {
    const inner = inProcess(inputs);
    return {
      slots: 1,
      start(id) {
        if (pieceKey(id) !== bad) return inner.start(id);
        return { next: () => Promise.reject(error), return: async () => ({ done: true, value: undefined as never }) };
      },
      close: () => inner.close(),
    };
  };
}

test('a failed piece is reported, its chain stops, the rest runs and the summary is written', async () => {
  const store = new MemoryStore();
  const events: RunEvent[] = [];
  for await (const e of runExperiment(cfg, store, { executor: failing('1/0/ticket', new PieceFailedError('Error: out of disk')) })) events.push(e);
  const failed = events.filter((e) => e.kind === 'failed');
  // round 1 trial 0 ticket is below round 2's ticket and reinit of trial 0
  assert.equal(failed, [{ kind: 'failed', round: 1, trial: 0, branch: 'ticket', reason: 'Error: out of disk', notRun: 2 }]);
  const ran = events.filter((e) => e.kind === 'pieceDone').map((e) => e.kind === 'pieceDone' && pieceKey(e.result));
  assert.equal(ran.sort(), ['0/0/ticket', '0/1/ticket', '1/0/reinit', '1/1/reinit', '1/1/ticket', '2/1/reinit', '2/1/ticket']);
  const summary = JSON.parse(store.getText(runKeys.summary)!);
  assert.ok(summary.rounds.length >= 3, 'summary has every round');
});

test('any other error a piece throws still ends the run', async () => {
  const run = async () => {
    for await (const _ of runExperiment(cfg, new MemoryStore(), { executor: failing('0/1/ticket', new Error('boom')) }));
  };
  try {
    await run();
    assert.unreachable('the run should have thrown');
  } catch (e) {
    assert.is((e as Error).message, 'boom');
  }
});

test.run();

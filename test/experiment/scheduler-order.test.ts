/**
 * Which ready piece starts first: graph order with one slot (round by round), critical path
 * first with several (the ticket chain does not wait behind controls nothing builds on); the
 * heights behind it; and the same summary either way.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../src/experiment/config.ts';
import { pieceGraph, pieceHeights, pieceKey } from '../../src/experiment/piece-graph.ts';
import type { PieceResult } from '../../src/experiment/pieces.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { type ExecutorFactory, type PieceRun, inProcess } from '../../src/experiment/scheduler.ts';
import { runKeys } from '../../src/experiment/store/keys.ts';
import { MemoryStore } from '../../src/experiment/store/memory-store.ts';

const cfg = resolveConfig({
  name: 'order', model: 'lenet300', widthMultiplier: 0.1, dataset: 'synthetic', kernels: 'dense',
  iterations: 10, evalEvery: 10, batchSize: 30, pruning: { rounds: 3, rates: { default: 0.5, output: 0.2 } },
  branches: ['ticket', 'reinit', 'randomPrune'], trials: 1,
});

test('heights: the ticket chain is the critical path, controls are leaves', () => {
  const h = pieceHeights(pieceGraph(cfg));
  // round r's ticket: round r+1's ticket (and controls) build on it, down to round 3
  assert.equal([0, 1, 2, 3].map((r) => h.get(`${r}/0/ticket`)), [3, 2, 1, 0]);
  for (const r of [1, 2, 3]) for (const b of ['reinit', 'randomPrune']) assert.is(h.get(`${r}/0/${b}`), 0, `${r}/0/${b}`);
});

// In this thread with `slots` slots; each piece runs whole on its first step, one at a time and
// in the order started (a shared environment never sees two pieces at once); starts recorded.
function recording(slots: number, started: string[]): ExecutorFactory {
  return (inputs) => {
    const inner = inProcess(inputs);
    let chain: Promise<unknown> = Promise.resolve();
    return {
      slots,
      start(id): PieceRun {
        started.push(pieceKey(id));
        const whole = (chain = chain.then(async () => {
          const run = inner.start(id);
          let s = await run.next();
          while (!s.done) s = await run.next();
          return s.value;
        })) as Promise<PieceResult>;
        return { next: async () => ({ done: true, value: await whole }), return: async () => ({ done: true, value: await whole }) };
      },
      close: () => inner.close(),
    };
  };
}

async function run(slots: number): Promise<{ started: string[]; summary: string }> {
  const store = new MemoryStore();
  const started: string[] = [];
  for await (const _ of runExperiment(cfg, store, { executor: recording(slots, started) }));
  const summary = JSON.stringify(JSON.parse(store.getText(runKeys.summary)!), (k, v) => (k === 'wallSeconds' ? undefined : v));
  return { started, summary };
}

test('one slot: graph order; two slots: the next ticket before the controls of its round', async () => {
  const one = await run(1);
  assert.equal(one.started.slice(0, 5), ['0/0/ticket', '1/0/ticket', '1/0/reinit', '1/0/randomPrune', '2/0/ticket']);
  const two = await run(2);
  // 1/0/ticket and 1/0/reinit start together; once the ticket is done, round 2's ticket (height
  // 1) goes before round 1's randomPrune (a leaf), which graph order would take first
  assert.equal(two.started.slice(0, 4), ['0/0/ticket', '1/0/ticket', '1/0/reinit', '2/0/ticket']);
  assert.is(two.started.length, one.started.length);
  assert.equal([...two.started].sort(), [...one.started].sort());
  assert.is(two.summary, one.summary, 'the order changes nothing in the summary');
});

test.run();

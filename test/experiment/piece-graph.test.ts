// Pieces as functions: the graph says what each piece reads, and running the pieces in any
// order that respects it, in one process or with a fresh environment per piece, gives the
// sequential runner's results bit for bit (forced dense kernels).
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import { makeSyntheticDataset } from '../../src/data/synthetic.ts';
import { resolveConfig } from '../../src/experiment/config.ts';
import { createPieceEnv, disposePieceEnv } from '../../src/experiment/piece-env.ts';
import { type PieceNode, blockedBy, pieceGraph, pieceKey, readyPieces } from '../../src/experiment/piece-graph.ts';
import { runPiece } from '../../src/experiment/piece-runner.ts';
import { prepareRun } from '../../src/experiment/prepare-run.ts';
import { writeResults } from '../../src/experiment/results.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { MemoryStore } from '../../src/experiment/store/memory-store.ts';
import { Rng } from '../../src/util/rng.ts';

const cfg = resolveConfig({
  name: 'orders',
  model: 'lenet300',
  widthMultiplier: 0.1,
  dataset: 'synthetic',
  iterations: 16,
  evalEvery: 8,
  batchSize: 30,
  kernels: 'dense',
  pruning: { rounds: 2, rates: { default: 0.5, output: 0.2 } },
  branches: ['ticket', 'reinit', 'randomPrune', 'instability', 'fineTune', 'snip', 'set'],
  atInit: { batches: 2, synflowIterations: 2 },
  trials: 2,
});

const needs = (graph: PieceNode[], key: string): string[] => graph.find((n) => n.key === key)!.needs.map(pieceKey).sort();

test('pieceGraph: each piece needs the pieces whose outputs it reads', () => {
  const graph = pieceGraph(cfg);
  // round 0 trains the ticket and the instability copies (from its rewind point)
  assert.equal(graph.filter((n) => n.id.round === 0).map((n) => n.key), ['0/0/ticket', '0/0/instability', '0/1/ticket', '0/1/instability']);
  assert.equal(needs(graph, '0/0/ticket'), []);
  assert.equal(needs(graph, '0/1/instability'), ['0/1/ticket']);
  assert.equal(needs(graph, '1/0/ticket'), ['0/0/ticket']);
  // round 2: its mask comes from round 1's ticket; the rewind point from round 0's
  assert.equal(needs(graph, '2/1/ticket'), ['0/1/ticket', '1/1/ticket']);
  assert.equal(needs(graph, '2/0/reinit'), ['1/0/ticket']);
  assert.equal(needs(graph, '2/0/randomPrune'), ['0/0/ticket', '1/0/ticket']);
  assert.equal(needs(graph, '2/0/instability'), ['0/0/ticket', '1/0/ticket']);
  assert.equal(needs(graph, '2/0/snip'), ['1/0/ticket']);
  assert.equal(needs(graph, '2/0/set'), ['1/0/ticket']);
  // fine-tuning's own chain: round 1 prunes round 0's trained ticket, round 2 its own round 1
  assert.equal(needs(graph, '1/0/fineTune'), ['0/0/ticket']);
  assert.equal(needs(graph, '2/0/fineTune'), ['1/0/fineTune', '1/0/ticket']);
  // graph order is a topological order
  const seen = new Set<string>();
  for (const n of graph) {
    for (const u of n.needs) assert.ok(seen.has(pieceKey(u)), `${n.key} before ${pieceKey(u)}`);
    seen.add(n.key);
  }
  assert.equal(readyPieces(graph, new Set()).map((n) => n.key), ['0/0/ticket', '0/1/ticket']);
  assert.equal(readyPieces(graph, new Set(['0/0/ticket'])).map((n) => n.key), ['0/0/instability', '0/1/ticket', '1/0/ticket', '1/0/reinit', '1/0/randomPrune', '1/0/instability', '1/0/fineTune', '1/0/snip', '1/0/set']);
  // a diverged round-1 ticket of trial 0 blocks its round 2 and nothing of trial 1
  const blocked = [...blockedBy(graph, new Set(['1/0/ticket']))].sort();
  assert.equal(blocked, graph.filter((n) => n.id.round === 2 && n.id.trial === 0).map((n) => n.key).sort());
});

/** Digests of a store's entries, JSON with the wall-clock fields zeroed (the only bytes that vary). */
function contents(store: MemoryStore): Map<string, string> {
  const text = new TextDecoder();
  const steady = (name: string, bytes: Uint8Array) => (/\.jsonl?$/.test(name) ? text.decode(bytes).replace(/"(wallSeconds|stepsPerSecond)": [^,\n}]+/g, '"$1": 0') : bytes);
  return new Map(store.files().map(([name, bytes]) => [name, createHash('sha256').update(steady(name, bytes)).digest('hex')]));
}

// A smaller synthetic problem, the same for every run here (each piece evaluates it often).
const data = makeSyntheticDataset({ train: 600, val: 100, test: 200 });

/** Runs every piece of the graph into `store`, choosing among ready pieces with `pick`. */
async function runInOrder(store: MemoryStore, pick: (ready: PieceNode[]) => PieceNode, freshEnv: boolean): Promise<string[]> {
  const shared = await prepareRun(cfg, store, { data });
  const graph = pieceGraph(cfg);
  const done = new Set<string>();
  const order: string[] = [];
  for (let ready = readyPieces(graph, done); ready.length > 0; ready = readyPieces(graph, done)) {
    const node = pick(ready);
    // what another process would have: its own backend (wasm instance), network and optimizer
    const env = freshEnv ? await createPieceEnv(cfg, { backend: await createBackend('wasm'), data }) : shared;
    const run = runPiece(node.id, store, env);
    let step = run.next();
    while (!step.done) step = run.next();
    assert.not.ok(step.value.diverged, node.key);
    if (freshEnv) disposePieceEnv(env);
    done.add(node.key);
    order.push(node.key);
  }
  writeResults(cfg, store);
  return order;
}

test('pieces in a shuffled order with a fresh env each, or trial-major in one env: the sequential run bit for bit', async () => {
  const sequential = new MemoryStore('sequential');
  for await (const _ of runExperiment(cfg, sequential, { data })) void _;
  const want = contents(sequential);

  const rng = new Rng(7);
  const shuffled = new MemoryStore('shuffled');
  const order = await runInOrder(shuffled, (ready) => ready[Math.floor(rng.next() * ready.length)], true);
  // the order really differs from the runner's (round, trial, branch) one
  assert.not.equal(order, pieceGraph(cfg).map((n) => n.key));

  const trialMajor = new MemoryStore('trial-major');
  const byTrial = (ready: PieceNode[]) => [...ready].sort((a, b) => b.id.trial - a.id.trial || b.id.round - a.id.round)[0];
  const order2 = await runInOrder(trialMajor, byTrial, false);
  assert.is(order2[0], '0/1/ticket');

  for (const store of [shuffled, trialMajor]) {
    const got = contents(store);
    assert.equal([...got.keys()], [...want.keys()], store.name);
    for (const [name, value] of want) assert.equal(got.get(name), value, `${store.name}: ${name}`);
  }
});

test.run();

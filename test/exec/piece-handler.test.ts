/**
 * The serverless handler: called directly, one piece at a time in dependency order, against a
 * file store (and a memory store), it writes the same results as `lth run` does; a done piece
 * returns its stored result without training; a bad spec or a store without a run is one line.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handlePiece } from '../../src/index.ts';
import { resolveConfig } from '../../src/experiment/config.ts';
import { pieceGraph } from '../../src/experiment/piece-graph.ts';
import { writeResults } from '../../src/experiment/results.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { FileStore } from '../../src/experiment/store/fs-store.ts';
import { runKeys } from '../../src/experiment/store/keys.ts';
import { MemoryStore } from '../../src/experiment/store/memory-store.ts';
import type { RunStore } from '../../src/experiment/store/run-store.ts';
import type { RunEvent } from '../../src/experiment/runner.ts';
import { rejectsUser } from '../fixtures/user-error.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lth-handler-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const cfg = resolveConfig({
  name: 'handler', model: 'lenet300', widthMultiplier: 0.1, dataset: 'synthetic', kernels: 'dense',
  iterations: 30, evalEvery: 15, batchSize: 30, pruning: { rounds: 1, rates: { default: 0.5, output: 0.2 } },
  branches: ['ticket', 'reinit'], trials: 1,
});

const noWall = (s: unknown) => JSON.stringify(s, (k, v) => (k === 'wallSeconds' ? undefined : v));

// Every piece through the handler, as a platform would be invoked: specs as JSON, in graph order.
async function runByHandler(store: RunStore, where: RunStore | string): Promise<void> {
  store.putJson(runKeys.config, cfg); // what the coordinator writes first
  for (const { id } of pieceGraph(cfg)) {
    const event = JSON.parse(JSON.stringify({ dir: typeof where === 'string' ? where : undefined, ...id }));
    const result = await handlePiece(event, where);
    assert.equal([result.round, result.trial, result.branch], [id.round, id.trial, id.branch]);
  }
  writeResults(cfg, store);
}

test('the handler, piece by piece against a file store and a memory store, gives the run summary', async () => {
  const ref = join(tmp, 'ref');
  for await (const _ of runExperiment(cfg, ref));
  const expected = noWall(JSON.parse(readFileSync(join(ref, 'summary.json'), 'utf8')));

  const dir = join(tmp, 'handler');
  const files = new FileStore(dir);
  await runByHandler(files, dir);
  assert.is(noWall(JSON.parse(files.getText(runKeys.summary)!)), expected);

  const memory = new MemoryStore();
  await runByHandler(memory, memory);
  assert.is(noWall(JSON.parse(memory.getText(runKeys.summary)!)), expected);
});

test('a piece already done returns its stored result and trains nothing', async () => {
  const dir = join(tmp, 'handler');
  const events: RunEvent[] = [];
  const stored = new FileStore(dir).getResult({ round: 1, trial: 0, branch: 'reinit' });
  const again = await handlePiece({ round: 1, trial: 0, branch: 'reinit' }, dir, { onEvent: (e) => events.push(e) });
  assert.equal(again, stored);
  assert.is(events.length, 0);
});

test('a spec that is not a piece of the run, or a store without a run, is one line', async () => {
  const dir = join(tmp, 'handler');
  await rejectsUser(handlePiece({ round: 5, trial: 0, branch: 'ticket' }, dir), ['not a piece of the run', '1 rounds']);
  await rejectsUser(handlePiece({ round: -1, trial: 0, branch: 'ticket' }, dir), ['handlePiece', 'round, trial, branch']);
  await rejectsUser(handlePiece(JSON.parse('{"round":0,"trial":0,"branch":"nope"}'), dir), ['handlePiece', 'ticket']);
  await rejectsUser(handlePiece({ round: 0, trial: 0, branch: 'ticket' }, new MemoryStore()), ['config.json does not exist', 'lth run']);
});

test.run();

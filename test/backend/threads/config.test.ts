// The threads setting (issue 14): config field and flag ranges, what 0 (automatic) resolves to
// with and without workers running pieces side by side, and a run resuming with another value.
import { availableParallelism } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveThreads } from '../../../src/backend/index.ts';
import { resolveConfig } from '../../../src/experiment/config.ts';
import { prepareRun } from '../../../src/experiment/prepare-run.ts';
import { MemoryStore } from '../../../src/experiment/store/memory-store.ts';
import { makeSyntheticDataset } from '../../../src/data/synthetic.ts';

test('config threads: default 0 (automatic); integers in [0, 256]; anything else names the field', () => {
  assert.is(resolveConfig({}).threads, 0);
  assert.is(resolveConfig({ threads: 3 }).threads, 3);
  for (const bad of [-1, 1.5, 257, '2']) {
    assert.throws(() => resolveConfig({ threads: bad }), (e: Error) => e.message.startsWith("config field 'threads': expected an integer in [0, 256]"));
  }
});

test('0 resolves to every core, or max(1, floor(cores / workers)) with workers; a count stays', () => {
  const cores = availableParallelism();
  assert.is(resolveThreads(0), cores);
  assert.is(resolveThreads(0, 2), Math.max(1, Math.floor(cores / 2)));
  assert.is(resolveThreads(0, cores * 4), 1);
  assert.is(resolveThreads(3, 8), 3);
});

test('a run resumes with another threads value (results do not depend on it); other fields still must match', async () => {
  const store = new MemoryStore();
  const data = makeSyntheticDataset({ train: 120, val: 60, test: 60 });
  const cfg = resolveConfig({ dataset: 'synthetic', iterations: 10, threads: 1 });
  await prepareRun(cfg, store, { data });
  await prepareRun({ ...cfg, threads: 2 }, store, { data });
  try {
    await prepareRun({ ...cfg, threads: 2, iterations: 11 }, store, { data });
    assert.unreachable('a different iterations must be refused');
  } catch (err) {
    assert.match((err as Error).message, /holds a different config: iterations \(saved 10, given 11\)$|holds a different config: iterations \(saved 10, given 11\);/);
  }
});

test.run();

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/experiment/config.ts';
import { FileStore } from '../../src/experiment/store/fs-store.ts';
import { runKeys } from '../../src/experiment/store/keys.ts';
import { clearTaskEnvs, runPieceTask } from '../../src/exec/piece-task.ts';
import { rejectsUser } from '../fixtures/user-error.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lth-piece-task-'));
const cfg = resolveConfig({
  name: 'task', model: 'lenet300', widthMultiplier: 0.1, dataset: 'synthetic', kernels: 'dense',
  iterations: 20, evalEvery: 10, batchSize: 30, pruning: { rounds: 1, rates: { default: 0.5, output: 0.2 } }, branches: ['ticket', 'reinit'], trials: 1,
});

test.after(async () => {
  await clearTaskEnvs();
  rmSync(tmp, { recursive: true, force: true });
});

test('a task runs its piece from the directory alone, and a done piece is returned, not rerun', async () => {
  const dir = join(tmp, 'run');
  new FileStore(dir).putJson(runKeys.config, cfg);
  const kinds: string[] = [];
  const first = await runPieceTask({ dir, id: { round: 0, trial: 0, branch: 'ticket' } }, { onEvent: (e) => kinds.push(e.kind) });
  assert.ok(kinds.includes('piece') && kinds.includes('pieceDone'));
  assert.equal(new FileStore(dir).getResult({ round: 0, trial: 0, branch: 'ticket' }), first);
  // round 1's control reads round 0's ticket from the directory
  const reinit = await runPieceTask({ dir, id: { round: 1, trial: 0, branch: 'reinit' } });
  assert.is(reinit.branch, 'reinit');
  kinds.length = 0;
  const again = await runPieceTask({ dir, id: { round: 0, trial: 0, branch: 'ticket' } }, { onEvent: (e) => kinds.push(e.kind) });
  assert.equal(kinds, []);
  assert.equal(again, first);
});

test('a task for a directory without config.json, or for a piece the run does not have, is a UserError', async () => {
  await rejectsUser(runPieceTask({ dir: join(tmp, 'none'), id: { round: 0, trial: 0, branch: 'ticket' } }), ['config.json does not exist']);
  const dir = join(tmp, 'run2');
  new FileStore(dir).putJson(runKeys.config, cfg);
  await rejectsUser(runPieceTask({ dir, id: { round: 2, trial: 0, branch: 'ticket' } }), ['not a piece of the run']);
  await rejectsUser(runPieceTask({ dir, id: { round: 0, trial: 0, branch: 'reinit' } }), ['not a piece of the run']);
});

test.run();

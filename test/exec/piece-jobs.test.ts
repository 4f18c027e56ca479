/**
 * Piece jobs: a job id names the run and the piece, the same for every process that looks at
 * one run (a restarted coordinator, `lth status`) and different for a run started over in a
 * recreated directory; a job's data is checked before a worker trusts it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePieceJob, pieceJobId, pieceJobProgress, runToken } from '../../src/exec/piece-jobs.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lth-jobs-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

function runDir(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{}');
  return dir;
}

test('a run token is the same for the directory by any path, and new for a run started over', async () => {
  const dir = runDir('a');
  const token = runToken(dir);
  assert.match(token, /^[0-9a-f]{16}$/);
  assert.is(runToken(`${dir}/`), token);
  symlinkSync(dir, join(tmp, 'link'));
  assert.is(runToken(join(tmp, 'link')), token, 'through a symlink');
  assert.is.not(runToken(runDir('b')), token, 'another directory');
  rmSync(dir, { recursive: true });
  await new Promise((r) => setTimeout(r, 20));
  assert.is.not(runToken(runDir('a')), token, 'the same path, started over');
});

test('job ids differ per piece and hold no colon', () => {
  const ids = new Set<string>();
  for (const round of [0, 1, 10]) for (const trial of [0, 1]) for (const branch of ['ticket', 'reinit'] as const) ids.add(pieceJobId('abc', { round, trial, branch }));
  assert.is(ids.size, 12);
  for (const id of ids) assert.not.match(id, ':');
  assert.is(pieceJobId('abc', { round: 1, trial: 0, branch: 'ticket' }), 'lth-abc-r1-t0-ticket');
});

test('job data and progress from elsewhere are checked', () => {
  assert.equal(parsePieceJob({ dir: '/runs/x', round: 1, trial: 0, branch: 'ticket', extra: 1 }), { dir: '/runs/x', round: 1, trial: 0, branch: 'ticket' });
  for (const bad of [null, 5, {}, { dir: '/x', round: -1, trial: 0, branch: 'ticket' }, { dir: '/x', round: 0, trial: 0.5, branch: 'ticket' }, { dir: '/x', round: 0, trial: 0, branch: 'nope' }, { round: 0, trial: 0, branch: 'ticket' }]) {
    assert.throws(() => parsePieceJob(bad), /not an lth piece job/);
  }
  assert.is(pieceJobProgress(42), undefined);
  assert.equal(pieceJobProgress({ worker: 'h/1', iteration: 5, total: 10 }), { worker: 'h/1', iteration: 5, total: 10 });
});

test.run();

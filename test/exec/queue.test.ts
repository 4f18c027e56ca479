/**
 * Pieces across processes on a real Redis (issue 13, must show): a coordinator and two
 * `lth worker` processes on a 3-round, 2-trial config. The coordinator is SIGKILLed mid-run and
 * started again: it resumes from the run directory and the queue. Then one worker is SIGKILLed
 * while it computes a piece, and nothing is restarted: the piece comes back to the other
 * worker once its lock lapses. No piece is computed twice (but the killed one), and the final
 * summary equals `lth run --workers 1` on the same config. `lth status` shows the run part
 * way and at the end.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../src/experiment/config.ts';
import { allPieces } from '../../src/experiment/piece-graph.ts';
import { runExperiment } from '../../src/experiment/runner.ts';
import { lthInProcess } from '../fixtures/cli.ts';
import { LthProcess, computedPieces } from '../fixtures/lth-process.ts';
import { type TestRedis, haveRedis, startRedis } from '../fixtures/redis.ts';

const raw = {
  name: 'queue', model: 'lenet300', widthMultiplier: 0.1, dataset: 'synthetic', kernels: 'dense',
  iterations: 200, evalEvery: 100, batchSize: 30, pruning: { rounds: 2, rates: { default: 0.5, output: 0.2 } },
  branches: ['ticket', 'reinit'], trials: 2,
};
// Locks of 2 s (renewed every 1 s), stalled checks every 1 s: a dead worker's piece is back in seconds.
const LOCK = { LTH_QUEUE_LOCK_MS: '2000' };

// `lth status` (in this process: the same command, without a process start).
const status = (url: string, dir: string) => lthInProcess('status', '--queue', url, dir);
const noWall = (text: string) => JSON.stringify(JSON.parse(text), (k, v) => (k === 'wallSeconds' ? undefined : v));

if (haveRedis('queue.test')) {
  const tmp = mkdtempSync(join(tmpdir(), 'lth-queue-'));
  let redis: TestRedis | undefined;
  const procs: LthProcess[] = [];
  const lth = (argv: string[], env: Record<string, string> = {}) => {
    const p = new LthProcess(argv, env);
    procs.push(p);
    return p;
  };
  test.before(async () => {
    redis = await startRedis();
  });
  test.after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('the coordinator killed and restarted resumes; a worker killed mid-piece, restarting nothing, leaves it to the other; the summary is that of lth run --workers 1', async () => {
    const url = redis!.url;
    const file = join(tmp, 'config.json');
    writeFileSync(file, JSON.stringify(raw));
    const dir = join(tmp, 'run');
    const workers = [lth(['worker', '--queue', url], LOCK), lth(['worker', '--queue', url], LOCK)];
    // The reference, in this process meanwhile: what `lth run --workers 1` does.
    const ref = join(tmp, 'ref');
    for await (const _ of runExperiment(resolveConfig(raw), ref));
    await Promise.all(workers.map((w) => w.waitFor(/taking pieces/)));

    // The coordinator, killed once a round-0 piece is done (a worker computes a later round's
    // piece), then started again: the workers go on with what it queued meanwhile.
    const c1 = lth(['run', file, '--queue', url, '--out', dir]);
    await Promise.race(workers.map((w) => w.waitFor(/: computing round [12] /, 60_000, 'a round-1 or round-2 piece')));
    c1.kill('SIGKILL');
    await c1.exited;
    const mid = await status(url, dir);
    assert.is(mid.code, 0, mid.stderr);
    const counts = mid.stdout.match(/: 10 pieces: (\d+) done, 0 diverged, (\d+) active, (\d+) waiting, 0 failed, 0 blocked, (\d+) not queued yet/);
    assert.ok(counts, mid.stdout);
    assert.ok(Number(counts![1]) >= 1 && Number(counts![1]) < 10, `done part way: ${mid.stdout}`);
    const seen = workers.map((w) => w.output.length);
    const c2 = lth(['run', file, '--queue', url, '--out', dir]);

    // A worker killed while it holds a piece, the restarted coordinator running; nothing is
    // restarted after this: the other worker takes the piece up once its lock lapses.
    const { w1, w2, killed } = await Promise.race(workers.map(async (w, i) => ({ w1: w, w2: workers[1 - i], killed: (await w.waitFor(/: computing (round \d+ trial \d+ \w+) of /, 60_000, 'a piece after the restart', seen[i]))[1] })));
    w1.kill('SIGKILL');
    await w1.exited;

    assert.is(await c2.exit(), 0, c2.output);
    assert.match(c2.output, /resuming .*: \d+ of 10 pieces already done/);
    assert.is(noWall(readFileSync(join(dir, 'summary.json'), 'utf8')), noWall(readFileSync(join(ref, 'summary.json'), 'utf8')));

    // The killed piece was taken up by the other worker; every other piece was computed once.
    const computed = computedPieces([w1.output, w2.output]);
    assert.ok(computedPieces([w2.output]).includes(killed), `worker 2 computed ${killed}:\n${w2.output}`);
    const expected = allPieces(resolveConfig(raw)).map((p) => `round ${p.round} trial ${p.trial} ${p.branch}`);
    assert.equal([...computed].sort(), [...expected, killed].sort(), `computing lines:\n${w1.output}\n${w2.output}`);

    const end = await status(url, dir);
    assert.is(end.code, 0, end.stderr);
    assert.match(end.stdout, ': 10 pieces: 10 done, 0 diverged, 0 active, 0 waiting, 0 failed');

    // SIGTERM: the worker stops once its running pieces (none) are done.
    w2.kill('SIGTERM');
    assert.is(await w2.exit(10_000), 0, w2.output);
    assert.match(w2.output, 'stopped');
  });
}

test.run();

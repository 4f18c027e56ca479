/**
 * Pieces on a real Redis, two `lth worker` processes with 1.5-second locks: a piece more than
 * twice as long as the lock is computed once (the piece runs on a worker thread, so the worker's
 * event loop renews its lock and no other worker takes it as stalled); a diverged piece is a
 * result, and what builds on it is blocked, not run; a piece that cannot run
 * on the workers (its dataset is missing there) fails once, is recorded with its reason,
 * stops the pieces that build on it, and `lth status` and the coordinator's exit code say so.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCifarDir } from '../fixtures/cifar.ts';
import { lthInProcess } from '../fixtures/cli.ts';
import { LthProcess, computedPieces } from '../fixtures/lth-process.ts';
import { type TestRedis, haveRedis, startRedis } from '../fixtures/redis.ts';

// `lth status` (in this process: the same command, without a process start).
const status = (url: string, dir: string) => lthInProcess('status', '--queue', url, dir);
const LOCK_MS = 1500;
// The workers' CIFAR-10 is not where the coordinator's is (a machine without the data).
const WORKER_ENV = { LTH_QUEUE_LOCK_MS: String(LOCK_MS), LTH_CIFAR10_DIR: '/nonexistent/cifar-10-batches-bin' };

if (haveRedis('queue-pieces.test')) {
  const tmp = mkdtempSync(join(tmpdir(), 'lth-queue-pieces-'));
  let redis: TestRedis | undefined;
  let workers: LthProcess[] = [];
  const procs: LthProcess[] = [];
  const lth = (argv: string[], env: Record<string, string> = {}) => {
    const p = new LthProcess(argv, env);
    procs.push(p);
    return p;
  };
  const config = (name: string, raw: Record<string, unknown>): string => {
    const file = join(tmp, `${name}.json`);
    writeFileSync(file, JSON.stringify({ name, model: 'lenet300', widthMultiplier: 0.1, kernels: 'dense', batchSize: 30, ...raw }));
    return file;
  };
  test.before(async () => {
    redis = await startRedis();
    workers = [lth(['worker', '--queue', redis.url], WORKER_ENV), lth(['worker', '--queue', redis.url], WORKER_ENV)];
    await Promise.all(workers.map((w) => w.waitFor(/taking pieces/)));
  });
  test.after(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('a piece longer than its lock is computed once; beside it, a run whose ticket diverges stops that chain', async () => {
    const file = config('long', { dataset: 'synthetic', iterations: 10000, evalEvery: 5000, pruning: { rounds: 0 }, branches: ['ticket'], trials: 1 });
    const dir = join(tmp, 'long');
    const c = lth(['run', file, '--queue', redis!.url, '--out', dir]);
    // A second run on the same queue meanwhile, whose trial 1 diverges in round 0 (test/experiment/divergence.test.ts).
    const diverging = config('diverging', { dataset: 'synthetic', iterations: 19, evalEvery: 5, seed: 3, optimizer: { kind: 'sgd', lr: 4, momentum: 0.9, weightDecay: 0.1 }, pruning: { rounds: 1, rates: { default: 0.5, output: 0.2 } }, branches: ['ticket', 'reinit'], trials: 2 });
    const ddir = join(tmp, 'diverging');
    const d = lth(['run', diverging, '--queue', redis!.url, '--out', ddir]);

    assert.is(await d.exit(), 0, d.output);
    assert.ok(/round 0 trial 1 ticket: diverged at iteration \d+ \(loss \w+\), left out of the means; 2 later pieces of trial 1 build on it and are not run/.test(d.output), d.output);
    const s = await status(redis!.url, ddir);
    assert.is(s.code, 0, s.stderr);
    assert.match(s.stdout, ': 6 pieces: 3 done, 1 diverged, 0 active, 0 waiting, 0 failed, 2 blocked, 0 not queued yet');
    assert.match(s.stdout, /diverged round 0 trial 1 ticket/);

    assert.is(await c.exit(), 0, c.output);
    const result = JSON.parse(readFileSync(join(dir, 'round-0', 'trial-0', 'ticket.json'), 'utf8'));
    assert.ok(result.wallSeconds * 1000 > 2 * LOCK_MS, `the piece took ${result.wallSeconds} s, not longer than two locks`);
    const outputs = workers.map((w) => w.output);
    assert.equal(computedPieces(outputs, dir), ['round 0 trial 0 ticket'], outputs.join('\n'));
    assert.equal(computedPieces(outputs, ddir).sort(), ['round 0 trial 0 ticket', 'round 0 trial 1 ticket', 'round 1 trial 0 reinit', 'round 1 trial 0 ticket'], outputs.join('\n'));
  });

  test('a piece that cannot run on the workers fails once with its reason, and its chain stops', async () => {
    const cifar = writeCifarDir(30, 20);
    try {
      const file = config('nodata', { dataset: 'cifar10', iterations: 10, evalEvery: 5, pruning: { rounds: 1, rates: { default: 0.5, output: 0.2 } }, branches: ['ticket', 'reinit'], trials: 1 });
      const dir = join(tmp, 'nodata');
      const run = () => lth(['run', file, '--queue', redis!.url, '--out', dir], { LTH_CIFAR10_DIR: cifar });
      const c = run();
      assert.is(await c.exit(), 1, c.output);
      assert.ok(/round 0 trial 0 ticket: failed \(dataset 'cifar10' is not available here: CIFAR-10 binary files in \/nonexistent\/cifar-10-batches-bin.*\); 2 later pieces of trial 0 build on it and are not run/.test(c.output), c.output);
      assert.match(c.output, /lth: 1 piece failed \(round 0 trial 0 ticket\)/);
      // One attempt: a UserError cannot be fixed by retrying.
      assert.is(workers.map((w) => w.output.match(/round 0 trial 0 ticket failed \(attempt 1, no more\)/g)?.length ?? 0).reduce((a, b) => a + b), 1);

      const s = await status(redis!.url, dir);
      assert.is(s.code, 0, s.stderr);
      assert.match(s.stdout, ': 3 pieces: 0 done, 0 diverged, 0 active, 0 waiting, 1 failed, 2 blocked, 0 not queued yet');
      assert.match(s.stdout, /failed +round 0 trial 0 ticket: dataset 'cifar10' is not available here: .*\/nonexistent\//);

      // Started again, the coordinator gives the failed piece one more go (here, to fail again).
      const again = run();
      assert.is(await again.exit(), 1, again.output);
      assert.match(again.output, /round 0 trial 0 ticket failed before \(dataset 'cifar10' is not available here.*\); queued again/);
    } finally {
      rmSync(cifar, { recursive: true, force: true });
    }
  });
}

test.run();

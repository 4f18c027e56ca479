/**
 * The queue commands' bad input is one line, exit 2, before anything is written: a --queue that
 * is not a redis:// URL, a Redis that does not answer (in seconds, not endless reconnecting),
 * --workers beside --queue on lth run, a missing --queue, and lth status on a directory that
 * holds no run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQueueUrl } from '../../src/exec/queue-connection.ts';
import { freePort } from '../fixtures/redis.ts';
import { assertUserError, lthInProcess } from '../fixtures/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'lth-queue-flags-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

test('a --queue URL is read as host, port and database; anything else is one line naming the form', () => {
  assert.equal(parseQueueUrl('redis://10.0.0.1:6380/2'), { host: '10.0.0.1', port: 6380, db: 2, tls: false, display: 'redis://10.0.0.1:6380/2' });
  const withPassword = parseQueueUrl('rediss://:s3cret@redis.lab:6379');
  assert.is(withPassword.password, 's3cret');
  assert.is(withPassword.tls, true);
  assert.not.ok(withPassword.display.includes('s3cret'), 'the password stays out of messages');
  assert.is(parseQueueUrl('redis://[::1]').host, '::1');
  assert.is(parseQueueUrl('redis://localhost').port, 6379);
});

test('bad --queue values, and a Redis that does not answer, are one line; nothing is written', async () => {
  const out = join(tmp, 'run');
  assertUserError(await lthInProcess('run', 'quick', '--queue', 'localhost:6379', '--out', out), ['--queue', 'redis://host:port[/db]']);
  assertUserError(await lthInProcess('run', 'quick', '--queue', 'redis://localhost:6379/x', '--out', out), ['--queue', 'database', "'x'"]);
  assertUserError(await lthInProcess('run', 'quick', '--queue', 'redis://localhost:6379', '--workers', '2', '--out', out), ['--workers and --queue', 'lth worker']);
  const port = await freePort(); // nothing listens there
  const started = Date.now();
  assertUserError(await lthInProcess('run', 'quick', '--queue', `redis://127.0.0.1:${port}`, '--out', out), [`redis://127.0.0.1:${port}/0`, 'cannot reach Redis']);
  assert.ok(Date.now() - started < 10_000, 'gave up within seconds');
  assert.not.ok(existsSync(out), 'nothing written');
  assertUserError(await lthInProcess('worker', '--queue', `redis://127.0.0.1:${port}`), ['cannot reach Redis']);
});

test('lth worker and lth status need --queue; lth status needs a run directory', async () => {
  assertUserError(await lthInProcess('worker'), ['--queue is required']);
  assertUserError(await lthInProcess('worker', '--queue', 'redis://x', 'extra'), ['expected no arguments']);
  assertUserError(await lthInProcess('status', tmp), ['--queue is required']);
  assertUserError(await lthInProcess('status', '--queue', 'redis://localhost'), ['one run directory']);
  const port = await freePort();
  assertUserError(await lthInProcess('status', '--queue', `redis://127.0.0.1:${port}`, tmp), [`${tmp}/config.json does not exist`, 'not a run directory']);
});

test.run();

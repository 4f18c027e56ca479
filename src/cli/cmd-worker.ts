import { hostname } from 'node:os';
import { UserError } from '../util/errors.ts';
import { intFlag, parse } from './args.ts';
import type { Command } from './commands.ts';

/**
 * The lock a piece holds while a worker computes it, and how often workers look for pieces
 * whose worker died, ms: BullMQ's 30 s each unless LTH_QUEUE_LOCK_MS is set (tests set a few
 * seconds so a killed worker's piece comes back quickly; the stalled check runs twice as often).
 */
function lockTimes(): { lockDuration: number; stalledInterval: number } | undefined {
  const text = process.env.LTH_QUEUE_LOCK_MS;
  if (text === undefined || text === '') return undefined;
  const ms = Number(text);
  if (!Number.isSafeInteger(ms) || ms < 500) throw new UserError(`LTH_QUEUE_LOCK_MS: expected a whole number of milliseconds, at least 500, got '${text}'`);
  return { lockDuration: ms, stalledInterval: Math.max(250, Math.round(ms / 2)) };
}

/** `lth worker`: takes pieces from a queue until stopped. */
export const workerCommand: Command = {
  usage: 'worker --queue redis://HOST:PORT[/DB] [--workers N]',
  summary: "take pieces of 'lth run --queue' runs from a Redis queue and compute them (run directories must be mounted at the same path as on the coordinator)",
  options: {
    queue: { type: 'string', arg: 'URL', help: 'the Redis the coordinators queue pieces on (redis://host:port[/db]; rediss:// for TLS)' },
    workers: { type: 'string', arg: 'N', help: 'pieces computed at once, each on its own worker thread [default: 1]' },
  },
  examples: ['worker --queue redis://10.0.0.1:6379', 'worker --queue redis://10.0.0.1:6379/2 --workers 8'],
  async run(argv) {
    const { values, positionals } = parse('worker', argv, this.options);
    if (positionals.length > 0) throw new UserError(`lth worker: expected no arguments, got '${positionals[0]}' (pieces name their run directory themselves)`);
    if (typeof values.queue !== 'string') throw new UserError('lth worker: --queue is required (e.g. --queue redis://localhost:6379)');
    const { parseQueueUrl, probeQueue } = await import('../exec/queue-connection.ts');
    const { startPieceWorker, workerDefaults } = await import('../exec/queue-worker.ts');
    const addr = parseQueueUrl(values.queue);
    const concurrency = intFlag(values, 'workers', 1, 1);
    const times = lockTimes() ?? workerDefaults;
    await probeQueue(addr);
    const who = `${hostname()}/${process.pid}`;
    const log = (line: string) => process.stdout.write(`${line}\n`);
    const worker = startPieceWorker(addr, { concurrency, ...times, log });
    await worker.waitUntilReady();
    log(`lth worker ${who}: taking pieces from ${addr.display} on ${concurrency} thread${concurrency === 1 ? '' : 's'} (stop: Ctrl-C waits for running pieces, a second one stops at once)`);
    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) {
          // Now: the running pieces' locks lapse and other workers take them up.
          log(`lth worker ${who}: ${signal} again, stopping now`);
          void worker.close(true).finally(() => resolve(130));
          return;
        }
        stopping = true;
        log(`lth worker ${who}: ${signal}, finishing the running pieces, then stopping`);
        void worker.close().then(() => {
          log(`lth worker ${who}: stopped`);
          resolve(0);
        });
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
};

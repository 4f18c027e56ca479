import { UserError } from '../util/errors.ts';
import { parse } from './args.ts';
import type { Command } from './commands.ts';

/** `lth status`: where the pieces of a queued run stand. */
export const statusCommand: Command = {
  usage: 'status --queue redis://HOST:PORT[/DB] <run-dir> [--json]',
  summary: 'pieces of a queued run: done, diverged, active (on which worker), waiting, failed (why), blocked',
  options: {
    queue: { type: 'string', arg: 'URL', help: "the Redis the run's coordinator queues on (redis://host:port[/db])" },
    json: { type: 'boolean', default: false, help: 'print every piece and its state as JSON' },
  },
  examples: ['status --queue redis://10.0.0.1:6379 /shared/runs/compare'],
  async run(argv) {
    const { values, positionals } = parse('status', argv, this.options);
    if (positionals.length !== 1) throw new UserError(`lth status: expected one run directory, got ${positionals.length}`);
    if (typeof values.queue !== 'string') throw new UserError('lth status: --queue is required (the Redis the coordinator was given)');
    const { parseQueueUrl } = await import('../exec/queue-connection.ts');
    const { formatStatus, queueStatus } = await import('../exec/queue-status.ts');
    const addr = parseQueueUrl(values.queue);
    const pieces = await queueStatus(positionals[0], addr);
    if (values.json) console.log(JSON.stringify({ runDir: positionals[0], pieces }));
    else process.stdout.write(formatStatus(positionals[0], pieces));
    return 0;
  },
};

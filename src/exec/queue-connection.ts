/**
 * Where the piece queue lives: a `redis://host:port[/db]` URL read once at the edge (`--queue`),
 * a probe that fails in seconds with one line when Redis cannot be reached (instead of
 * ioredis's endless reconnecting), and the clients BullMQ is given. Node only.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import { UserError } from '../util/errors.ts';

/** A parsed `--queue` URL. */
export interface QueueAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL without its password, for messages and logs. */
  display: string;
}

const FORM = 'redis://host:port[/db]';

/** Reads a `redis://` (or `rediss://`, TLS) URL; anything else is a UserError naming `flag`. */
export function parseQueueUrl(text: string, flag = '--queue'): QueueAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserError(`${flag}: expected ${FORM}, got '${text}'`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new UserError(`${flag}: expected a redis:// or rediss:// URL (${FORM}), got '${text}'`);
  if (url.hostname === '') throw new UserError(`${flag}: no host in '${text}' (expected ${FORM})`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(path) || Number(path) > 1_000_000) throw new UserError(`${flag}: the database in '${text}' must be a number (${FORM}, e.g. redis://localhost:6379/0), got '${path}'`);
  const db = path === '' ? 0 : Number(path);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1'); // an IPv6 literal without its brackets
  const display = `${url.protocol}//${url.username ? `${decodeURIComponent(url.username)}@` : ''}${url.host}/${db}`;
  return {
    host, port, db, tls: url.protocol === 'rediss:', display,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
}

/** ioredis options for an address. */
function options(addr: QueueAddress, extra: RedisOptions = {}): RedisOptions {
  return {
    host: addr.host, port: addr.port, db: addr.db, username: addr.username, password: addr.password,
    ...(addr.tls ? { tls: { servername: addr.host } } : {}),
    ...extra,
  };
}

/**
 * Connects once and PINGs, giving up after `timeoutMs`: an unreachable or refusing Redis is
 * a one-line UserError naming the address, not a hang.
 */
export async function probeQueue(addr: QueueAddress, timeoutMs = 5000): Promise<void> {
  const client = new Redis(options(addr, { lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false }));
  let lastError: Error | undefined;
  client.on('error', (e: Error) => (lastError = e)); // reported below, not as an unhandled 'error'
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${(timeoutMs / 1000).toFixed(0)} s`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
  } catch (e) {
    const why = (lastError ?? (e as Error)).message.split('\n')[0];
    throw new UserError(`--queue ${addr.display}: cannot reach Redis (${why}); start redis-server there, or check the host, port and password`);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/**
 * The connection BullMQ's Queue, QueueEvents and Worker are given (each makes and owns its
 * clients, and closes them with itself): it reconnects after Redis restarts and never fails a
 * command for want of a connection (`maxRetriesPerRequest: null`, which BullMQ's workers need).
 */
export function queueConnection(addr: QueueAddress): ConnectionOptions {
  const opts: Record<string, unknown> = { ...options(addr, { maxRetriesPerRequest: null, connectTimeout: 5000 }) };
  return opts;
}

/**
 * An 'error' listener for a BullMQ object (without one, a lost connection would crash the
 * process): one line per distinct message, as ioredis retries the same failure every second.
 */
export function errorLines(addr: QueueAddress, log: (line: string) => void): (e: Error) => void {
  let last = '';
  return (e: Error) => {
    const line = e.message.split('\n')[0];
    if (line === last) return;
    last = line;
    log(`lth: queue ${addr.display}: ${line}`);
  };
}

/**
 * A lock file beside a run file (Node), for read-modify-write updates that several processes or
 * worker threads sharing a run directory make to one file (kernel-plan.json): an atomic rename
 * keeps each write whole, but without the lock two writers that read the same old file would
 * each drop what the other added.
 */
import { closeSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

// A holder keeps the lock for one small file write; one held this long belonged to a killed process.
const STALE_MS = 30_000;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `fn` holding `<path>.lock` (created exclusively, removed after), waiting while another
 * holder has it. A lock older than 30 s is taken as left by a killed process and removed.
 */
export function withFileLock<T>(path: string, fn: () => T): T {
  const lock = `${path}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  for (let waitMs = 1; ; waitMs = Math.min(waitMs * 2, 50)) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (lockAgeMs(lock) > STALE_MS) rmSync(lock, { force: true });
    else Atomics.wait(sleeper, 0, 0, waitMs); // a synchronous sleep: the caller is synchronous
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

// How long ago the lock was taken (0 when it has just gone).
function lockAgeMs(lock: string): number {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * A run directory on disk (Node only: nothing that runs in a browser imports this; `lth run`
 * and the other Node entry points reach it through `#platform`). The layout is keys.ts's;
 * every write goes to a temp file in the same folder, is fsynced and renamed over the entry, so
 * a killed process, or another process sharing the directory, never sees a part of a file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { withFileLock } from '../io/file-lock.ts';
import { moveAside } from '../io/move-aside.ts';
import { ByteStore } from './byte-store.ts';
import { type RunKey, entryPath } from './keys.ts';

/** A RunStore in the directory `root` (created on the first write, not before). */
export class FileStore extends ByteStore {
  constructor(readonly root: string) {
    super();
  }

  get location(): string {
    return this.root;
  }

  where(key: RunKey): string {
    return join(this.root, ...entryPath(key));
  }

  override has(key: RunKey): boolean {
    return existsSync(this.where(key));
  }

  read(key: RunKey): Uint8Array | undefined {
    try {
      return readFileSync(this.where(key));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  // Worker threads and processes share the directory: a lock file beside the entry.
  override exclusive<T>(key: RunKey, fn: () => T): T {
    return withFileLock(this.where(key), fn);
  }

  write(key: RunKey, bytes: Uint8Array): void {
    writeFileAtomic(this.where(key), bytes);
  }

  quarantine(key: RunKey): string {
    try {
      return moveAside(this.where(key));
    } catch (e) {
      // Another process sharing the directory met the same bad file and moved it first.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return `${this.where(key)}.corrupt (moved by another process)`;
      throw e;
    }
  }
}

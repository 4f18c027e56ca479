/**
 * A run held in memory: the browser's store, and tests'. Entries are kept as the bytes a file
 * would hold (JSON, safetensors), so a run reads back exactly what a directory run does, and
 * any entry can be downloaded as that file.
 */
import { ByteStore } from './byte-store.ts';
import { type RunKey, entryName } from './keys.ts';

/** A RunStore in a Map, keyed by the entries' relative file names. */
export class MemoryStore extends ByteStore {
  private readonly entries = new Map<string, Uint8Array>();

  /** `name` only labels messages (`memory:<name>/round-1/...`). */
  constructor(readonly name = 'run') {
    super();
  }

  get location(): string {
    return `memory:${this.name}`;
  }

  where(key: RunKey): string {
    return `${this.location}/${entryName(key)}`;
  }

  read(key: RunKey): Uint8Array | undefined {
    return this.entries.get(entryName(key));
  }

  write(key: RunKey, bytes: Uint8Array): void {
    // A copy: the caller may reuse its buffer, and a reader must not see later edits.
    this.entries.set(entryName(key), bytes.slice());
  }

  quarantine(key: RunKey): string {
    const name = entryName(key);
    const bytes = this.entries.get(name);
    if (bytes === undefined) throw new Error(`${this.where(key)}: nothing to set aside`);
    let to = `${name}.corrupt`;
    for (let n = 2; this.entries.has(to); n++) to = `${name}.corrupt.${n}`;
    this.entries.set(to, bytes);
    this.entries.delete(name);
    return `${this.location}/${to}`;
  }

  /** Every entry (set-aside ones too) by relative file name, sorted: what a download offers. */
  files(): [string, Uint8Array][] {
    return [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/**
 * The typed error a backend throws when it cannot get more memory (wasm: the heap would pass its
 * maximum, 4 GiB for wasm32, or the engine refused to grow it). It names no flag: the trainer,
 * which knows the model and the batch sizes, turns it into a one-line UserError (train/memory.ts).
 */
export class OutOfMemoryError extends Error {
  constructor(
    /** Bytes the failed request asked for. */
    readonly requestedBytes: number,
    /** Bytes the backend held when it failed. */
    readonly heldBytes: number,
    /** The most the backend may hold. */
    readonly maxBytes: number,
  ) {
    super(`out of memory: ${mib(requestedBytes)} more wanted with ${mib(heldBytes)} held (at most ${mib(maxBytes)})`);
    this.name = 'OutOfMemoryError';
  }
}

/** Bytes as a short MiB string for messages. */
export function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 24 ? 1 : 0)} MiB`;
}

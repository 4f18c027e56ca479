/** Setting a bad run file aside on disk (Node); the in-memory store keeps its own copy. */
import { existsSync, renameSync } from 'node:fs';

/**
 * Renames `path` to `<path>.corrupt`, or `<path>.corrupt.2`, `.3`, ... when earlier ones exist
 * (never overwriting evidence). Returns the new path.
 */
export function moveAside(path: string): string {
  let to = `${path}.corrupt`;
  for (let n = 2; existsSync(to); n++) to = `${path}.corrupt.${n}`;
  renameSync(path, to);
  return to;
}

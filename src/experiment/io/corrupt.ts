/**
 * Files of a run directory that fail validation when read back: the error that names them, and
 * moving them aside (`<file>.corrupt`) so that the piece that wrote them is recomputed.
 */
import { existsSync, renameSync } from 'node:fs';
import { UserError } from '../../util/errors.ts';

/**
 * A run file that is missing or does not hold what was written (bad JSON, a wrong field type,
 * a mask value other than 0/1, a tensor of the wrong name or size). The runner moves it aside
 * and recomputes it; anywhere else it is a one-line user error.
 */
export class CorruptFileError extends UserError {
  constructor(
    readonly path: string,
    readonly reason: string,
    /** True when the file does not exist (nothing to move aside). */
    readonly missing = false,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'CorruptFileError';
  }
}

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

/**
 * Entries of a run that fail validation when read back: the error that names them. The runner
 * sets them aside (RunStore.quarantine) so that the piece that wrote them is recomputed.
 */
import { UserError } from '../../util/errors.ts';
import type { RunKey } from '../store/keys.ts';

/**
 * A run entry that is missing or does not hold what was written (bad JSON, a wrong field type,
 * a mask value other than 0/1, a tensor of the wrong name or size). The runner moves it aside
 * and recomputes it; anywhere else it is a one-line user error.
 */
export class CorruptFileError extends UserError {
  constructor(
    /** Where the entry is, for messages (a file path on disk). */
    readonly path: string,
    readonly reason: string,
    /** True when the entry does not exist (nothing to move aside). */
    readonly missing = false,
    /** Which run entry it is, when it came from a RunStore (the runner recomputes its producer). */
    readonly key?: RunKey,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'CorruptFileError';
  }
}

/**
 * Optimizer state follows its parameter between layouts: dense (one slot per weight) while the
 * parameter trains densely, compact (one slot per nonzero, in CSR order) while it trains in CSR
 * form. Moving scatters the compact slots to their dense positions (pruned slots become 0, as
 * the masked optimizers keep them) and gathers the dense slots of the new pattern's nonzeros.
 */
import type { Backend, Buf } from '../backend/backend.ts';
import type { SparseWeight } from '../autograd/ops/sparse-linear.ts';

/** Re-lays each state buffer (dense size `size`) out from layout `from` to layout `to` (null = dense). */
export function relayoutState(b: Backend, bufs: Buf[], from: SparseWeight | null, to: SparseWeight | null, size: number): void {
  if (from === to) return;
  const tmp = b.alloc(size);
  for (const s of bufs) {
    if (from !== null) {
      b.fill(tmp, 0, size);
      b.scatter(s, from.index, tmp, from.nnz);
      b.copy(tmp, s, size);
    }
    if (to !== null) {
      b.gather(s, to.index, tmp, to.nnz);
      b.copy(tmp, s, to.nnz);
    }
  }
  b.free(tmp);
}

/**
 * Cheap size checks shared by the backends: a kernel that reads past a buffer in wasm linear
 * memory would silently corrupt its neighbour, so every op checks lengths before calling in.
 */
import type { Buf } from './backend.ts';

/** Throws unless `b` holds at least `n` elements; `what` names the op and argument. */
export function need(b: Buf, n: number, what: string): void {
  if (b.length < n) throw new RangeError(`${what}: buffer has ${b.length} elements, op needs ${n}`);
}

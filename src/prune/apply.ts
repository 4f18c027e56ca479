import type { Backend } from '../backend/backend.ts';
import type { Parameter } from '../nn/module.ts';
import type { Masks } from './masks.ts';
import { maskToFloat } from './masks.ts';

/** Names, shapes and sizes of the prunable parameters, in model order. */
export function prunableParams(params: Parameter[]): Parameter[] {
  return params.filter((p) => p.prunable);
}

/**
 * Installs masks on the network's prunable parameters (allocating each mask buffer once)
 * and zeroes the pruned weights. Every prunable parameter must have a mask of its size.
 */
export function applyMasks(b: Backend, params: Parameter[], masks: Masks): void {
  for (const p of prunableParams(params)) {
    const m = masks[p.name];
    if (m === undefined) throw new Error(`applyMasks: no mask for '${p.name}'`);
    if (m.length !== p.size) throw new Error(`applyMasks: mask for '${p.name}' has ${m.length} entries, expected ${p.size}`);
    if (p.sparse !== null) throw new Error(`applyMasks: '${p.name}' is training in CSR form; apply masks before train() or after it returns`);
    if (p.mask === null) p.mask = b.alloc(p.size);
    b.write(p.mask, maskToFloat(m));
    b.mul(p.tensor.buf, p.mask, p.tensor.buf, p.size);
  }
}

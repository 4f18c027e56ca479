/**
 * Dynamic sparse training: the contract between the trainer and a mask-rewiring strategy
 * (SET, RigL, DEEP-R), plus the helpers the strategies share.
 *
 * The trainer's side, exactly:
 *
 *     rewirer.start(b, params);                 // once, before the first step: installs the masks
 *     for (let it = 1; it <= iterations; it++) {
 *       trainStep(ctx, model, params, opt, ...);  // forward, backward, opt.step(lr(it))
 *       const changed = rewirer.afterStep(it, b, params, lr(it));
 *       if (changed !== null) {
 *         // optional: opt.resetState(i, c.grown) for each changed parameter i (see below);
 *         // anything built from the masks (CSR layouts of sparse kernels) must be rebuilt
 *       }
 *     }
 *     const finalMasks = rewirer.masks();
 *
 * Invariants after every afterStep: each prunable parameter's float mask buffer (p.mask)
 * equals rewirer.masks(); pruned weights are exactly 0; newly grown weights hold their
 * strategy's initial value; the number of active connections is what it was at start (per
 * layer, or in total for DEEP-R's global scope).
 *
 * Optimizer state: the masked Adam/SGD kernels zero the moments of every masked position on
 * every step. A strategy here grows only positions that were dormant during the step just
 * taken, whose moments are therefore already zero, and a dropped position is zeroed by the
 * next step; so no optimizer change is needed for correctness. The one exception is DEEP-R's
 * fallback when fewer dormant connections exist than died (density above ~1/2), where a
 * connection may die and come back in one update: an `Optimizer.resetState(paramIndex,
 * positions)` that zeroes the moments at `positions` would make that case exact too.
 */
import type { Backend } from '../../backend/backend.ts';
import type { Parameter } from '../../nn/module.ts';
import { applyMasks } from '../apply.ts';
import { type Masks, maskToFloat } from '../masks.ts';

/** Positions (flat indices into one parameter) whose mask changed in one update. */
export interface MaskChange {
  /** Positions that became active (mask 0 -> 1). */
  grown: Int32Array;
  /** Positions that became dormant (mask 1 -> 0); their weights are now exactly 0. */
  pruned: Int32Array;
}

/** One update's changes by parameter name; only parameters whose mask changed appear. */
export type Rewiring = Record<string, MaskChange>;

/** A mask-rewiring strategy applied between training steps (see the file comment). */
export interface Rewirer {
  /** Short name for logs and configs ("set", "rigl", "deep-r"). */
  readonly name: string;
  /**
   * Installs the starting masks on the prunable parameters (allocating their mask buffers
   * and zeroing pruned weights) and reads what the strategy needs from the initial weights.
   * Call once, after the weights are initialised and before the first training step.
   */
  start(b: Backend, params: Parameter[]): void;
  /**
   * Called after the optimizer step of `iteration` (1-based), with the learning rate that
   * step used. Rewrites weights and masks in the backend; returns what changed, or null.
   */
  afterStep(iteration: number, b: Backend, params: Parameter[], lr: number): Rewiring | null;
  /** Copies of the current masks. */
  masks(): Masks;
}

/**
 * The prunable parameters, after checking that `masks` has exactly one mask of the right
 * size for each of them. `who` names the caller in the error.
 */
export function maskedParams(params: Parameter[], masks: Masks, who: string): Parameter[] {
  const prunable = params.filter((p) => p.prunable);
  assertDense(prunable, who);
  for (const p of prunable) {
    const m = masks[p.name];
    if (m === undefined) throw new Error(`${who}: no mask for '${p.name}'`);
    if (m.length !== p.size) throw new Error(`${who}: mask for '${p.name}' has ${m.length} entries, expected ${p.size}`);
  }
  const extra = Object.keys(masks).filter((n) => !prunable.some((p) => p.name === n));
  if (extra.length > 0) throw new Error(`${who}: masks for unknown or unprunable parameters: ${extra.join(', ')}`);
  return prunable;
}

/** Installs `masks` on the parameters (see applyMasks) after checking them. */
export function installMasks(b: Backend, params: Parameter[], masks: Masks, who: string): Parameter[] {
  const prunable = maskedParams(params, masks, who);
  applyMasks(b, params, masks);
  return prunable;
}

/**
 * Throws unless every parameter trains in dense form: a rewirer reads and writes the dense
 * weight, mask and gradient buffers, which a weight training in CSR form (p.sparse, see
 * train/sparse-plan.ts) does not use. Rewired runs train with dense kernels.
 */
export function assertDense(params: Parameter[], who: string): void {
  for (const p of params) {
    if (p.sparse !== null) throw new Error(`${who}: '${p.name}' is training in CSR form; rewiring needs dense kernels (a fixed sparsity pattern is what CSR is built for)`);
  }
}

/** Writes a parameter's mask buffer (installed by start) from 0/1 bytes. */
export function writeMask(b: Backend, p: Parameter, mask: Uint8Array): void {
  if (p.mask === null) throw new Error(`rewirer: '${p.name}' has no mask buffer; call start() before afterStep()`);
  b.write(p.mask, maskToFloat(mask));
}

/**
 * Chooses `k` distinct entries of `pool` uniformly at random (a partial Fisher-Yates that
 * reorders `pool` in place); returns them in draw order.
 */
export function sampleWithoutReplacement(pool: Int32Array, k: number, rng: { int(n: number): number }): Int32Array {
  const n = Math.min(k, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(pool.length - i);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, n);
}

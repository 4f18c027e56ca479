/**
 * The prune-and-regrow loop SET and RigL share: every `interval` steps, in each layer, drop
 * the fraction ζ of active weights with the smallest magnitude and grow as many dormant ones,
 * so that every layer keeps its number of active weights. The strategies differ in where
 * they grow (at random, or where the dense gradient is largest) and in ζ's schedule.
 */
import type { Backend } from '../../backend/backend.ts';
import type { Parameter } from '../../nn/module.ts';
import { clearLowest } from '../magnitude.ts';
import { type Masks, cloneMasks, countOnes } from '../masks.ts';
import { type Rewirer, type Rewiring, assertDense, installMasks, writeMask } from './rewirer.ts';

/** Picks `k` of the dormant positions `candidates` of parameter `p` to grow. */
export type GrowRule = (b: Backend, p: Parameter, candidates: Int32Array, k: number) => Int32Array;

/** Settings of a prune-and-regrow rewirer. */
export interface PruneRegrowOptions {
  /** Rewire after every `interval` optimizer steps (iterations that are multiples of it). */
  interval: number;
  /** Fraction of a layer's active weights replaced at an update with the given iteration. */
  fraction: (iteration: number) => number;
  /** No updates after this iteration (default: never stop). */
  endIteration?: number;
  /**
   * Values for grown weights by parameter name (e.g. the iteration-0 snapshot, to grow at
   * the initial value); positions take 0 when absent, SET's and RigL's choice.
   */
  initialWeights?: Record<string, Float32Array>;
}

/** A prune-and-regrow rewirer with a given grow rule (see set.ts and rigl.ts). */
export class PruneRegrow implements Rewirer {
  private current: Masks;
  private prunable: Parameter[] = [];

  constructor(
    readonly name: string,
    masks: Masks,
    private readonly opts: PruneRegrowOptions,
    private readonly grow: GrowRule,
  ) {
    if (!Number.isInteger(opts.interval) || opts.interval < 1) throw new Error(`${name}: interval must be an integer >= 1, got ${opts.interval}`);
    this.current = cloneMasks(masks);
  }

  start(b: Backend, params: Parameter[]): void {
    this.prunable = installMasks(b, params, this.current, this.name);
    for (const p of this.prunable) {
      const init = this.opts.initialWeights?.[p.name];
      if (init !== undefined && init.length !== p.size) throw new Error(`${this.name}: initial weights for '${p.name}' have ${init.length} values, expected ${p.size}`);
    }
  }

  afterStep(iteration: number, b: Backend): Rewiring | null {
    if (this.prunable.length === 0 && Object.keys(this.current).length > 0) throw new Error(`${this.name}: call start() before afterStep()`);
    if (iteration % this.opts.interval !== 0 || iteration > (this.opts.endIteration ?? Infinity)) return null;
    assertDense(this.prunable, this.name);
    const zeta = this.opts.fraction(iteration);
    if (!(zeta >= 0 && zeta <= 1)) throw new Error(`${this.name}: replace fraction must be in [0, 1], got ${zeta} at iteration ${iteration}`);
    const changes: Rewiring = {};
    for (const p of this.prunable) {
      const mask = this.current[p.name];
      const active = countOnes(mask);
      // never more than the dormant positions, so the layer's count stays exactly fixed
      const k = Math.min(Math.round(zeta * active), mask.length - active);
      if (k === 0) continue;
      const w = b.read(p.tensor.buf);
      const kept = mask.slice();
      clearLowest([{ scores: w.map(Math.abs), mask: kept }], k);
      const pruned = new Int32Array(k);
      const dormant = new Int32Array(mask.length - active);
      for (let i = 0, np = 0, nd = 0; i < mask.length; i++) {
        if (mask[i] === 0) dormant[nd++] = i;
        else if (kept[i] === 0) pruned[np++] = i;
      }
      // grow only among positions dormant during the step just taken (never the ones just
      // dropped): every update truly rewires, and their optimizer moments are already zero
      const grown = this.grow(b, p, dormant, k);
      const init = this.opts.initialWeights?.[p.name];
      for (const i of pruned) w[i] = 0;
      for (const i of grown) {
        kept[i] = 1;
        w[i] = init !== undefined ? init[i] : 0;
      }
      b.write(p.tensor.buf, w);
      writeMask(b, p, kept);
      this.current[p.name] = kept;
      changes[p.name] = { grown: Int32Array.from(grown).sort(), pruned };
    }
    return Object.keys(changes).length > 0 ? changes : null;
  }

  masks(): Masks {
    return cloneMasks(this.current);
  }
}

import type { Backend } from '../backend/backend.ts';
import type { Rng } from '../util/rng.ts';

/** A reverse-mode tape: backward closures recorded in forward order, run in reverse. */
export class Tape {
  private readonly steps: Array<() => void> = [];

  /** Records the backward closure of one op. */
  record(backward: () => void): void {
    this.steps.push(backward);
  }

  /**
   * Runs every recorded closure in reverse order, then clears the tape. Forward order is
   * already a topological order, so no graph sort is needed.
   */
  backward(): void {
    for (let i = this.steps.length - 1; i >= 0; i--) this.steps[i]();
    this.steps.length = 0;
  }

  /** Number of recorded ops. */
  get length(): number {
    return this.steps.length;
  }
}

/**
 * What every op needs: the backend, the tape (null when no gradients are wanted, e.g. in
 * evaluation), whether the model is training (dropout on), and the rng for stochastic ops.
 */
export interface Ctx {
  backend: Backend;
  tape: Tape | null;
  training: boolean;
  rng: Rng;
}

/** A context for training steps (records gradients, dropout on). */
export function trainCtx(backend: Backend, rng: Rng): Ctx {
  return { backend, tape: new Tape(), training: true, rng };
}

/** A context for inference (no tape, dropout off). */
export function evalCtx(backend: Backend, rng: Rng): Ctx {
  return { backend, tape: null, training: false, rng };
}

/**
 * A piece as a function: `runPiece(id, store, env)` reads what the piece needs from the store,
 * trains it, and writes its outputs and result there. Nothing is carried between pieces but the
 * store: the round's mask is read (or derived from stored files and saved), the random streams
 * come from (seed, trial, round, branch), so any process, in any order, computes the same piece.
 * An entry read back that is missing or invalid is set aside, reported as a RunEvent, and the
 * piece that wrote it is computed again before the reader retries.
 */
import { type Masks, density, fullMasks } from '../prune/masks.ts';
import type { Weights } from '../train/state.ts';
import type { PieceContext, RunEvent } from './branches/context.ts';
import { branches } from './branches/registry.ts';
import { CorruptFileError } from './io/corrupt.ts';
import { type KernelPlanStore } from '../train/kernel-plan.ts';
import { runKernelPlan } from './kernel-plan-store.ts';
import type { PieceEnv } from './piece-env.ts';
import { type PieceId, pieceKey, producerOf } from './piece-graph.ts';
import { type PieceResult, nextMask, trialRngs } from './pieces.ts';
import { runKeys } from './store/keys.ts';
import type { RunStore } from './store/run-store.ts';

// How often one read is retried after recomputing what it reads; more means a bug, not a bad file.
const MAX_RETRIES = 2;

/**
 * Trains piece `id` of the run in `store` with `env` (built for the run's config), yielding
 * progress; saves its outputs and then its result (the result last: its presence marks the
 * piece done), and returns the result. Whatever it reads that is bad is recomputed first.
 */
export function* runPiece(id: PieceId, store: RunStore, env: PieceEnv): Generator<RunEvent, PieceResult> {
  return yield* new PieceRunner(store, env).run(id);
}

/** Computes pieces of one run, recovering from bad entries. */
class PieceRunner {
  private readonly kernelPlan: KernelPlanStore | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly env: PieceEnv,
  ) {
    // 'auto' kernels decided once per layer and mask size, for every piece, process and restart
    this.kernelPlan = env.kernelPlan ?? (env.cfg.kernels === 'auto' ? runKernelPlan(store) : undefined);
  }

  *run(id: PieceId): Generator<RunEvent, PieceResult> {
    const { store, env } = this;
    const { cfg } = env;
    const { round, trial, branch } = id;
    return yield* this.retrying(id, function* (this: PieceRunner): Generator<RunEvent, PieceResult> {
      // A branch that does not read the round's mask gets all ones (only its layer sizes matter).
      const ticketMask = branches[branch].needs.includes('mask') ? yield* this.roundMask(round, trial) : fullMasks(env.sizes);
      const ctx: PieceContext = {
        cfg, store, b: env.b, net: env.net, data: env.data, opt: env.opt, round, trial, branch, ticketMask,
        shapes: env.shapes, rates: env.rates, rng: trialRngs(cfg, trial, round, branch), kernelPlan: this.kernelPlan,
        ...(env.pretrain ? { pretrain: env.pretrain } : {}),
      };
      yield { kind: 'piece', round, trial, branch, weightsRemaining: density(ticketMask), skipped: false };
      const result = yield* branches[branch].run(ctx);
      store.putResult(result);
      yield { kind: 'pieceDone', result };
      return result;
    });
  }

  /**
   * The ticket mask of round r of trial t: read, or computed from round r-1's mask and trained
   * ticket and saved (all ones in round 0). A bad mask is set aside and computed again.
   */
  private *roundMask(r: number, t: number): Generator<RunEvent, Masks> {
    const { store, env } = this;
    const key = runKeys.mask(r, t);
    if (store.has(key)) {
      try {
        return store.getMasks(key, env.maskShapes);
      } catch (e) {
        if (!(e instanceof CorruptFileError)) throw e;
        yield this.setAside(e);
      }
    }
    let mask: Masks;
    if (r === 0) {
      mask = fullMasks(env.sizes);
    } else {
      const prev = yield* this.roundMask(r - 1, t);
      const trained = yield* this.ticketWeights(r - 1, t);
      const dense = env.cfg.pruning.schedule === 'oneShot' ? yield* this.ticketWeights(0, t) : trained;
      mask = nextMask(env.cfg, r, prev, trained, dense, env.rates);
    }
    store.putMasks(key, mask, env.shapes);
    return mask;
  }

  // The trained ticket of a round; bad or missing weights mean that ticket piece runs again.
  private *ticketWeights(r: number, t: number): Generator<RunEvent, Weights> {
    return yield* this.retrying(undefined, function* (this: PieceRunner): Generator<RunEvent, Weights> {
      return this.store.getWeights(runKeys.weights(r, t, 'ticket'), this.env.shapes);
    });
  }

  /**
   * Runs `work`; when it meets a bad entry, sets it aside, recomputes the piece that wrote it
   * (unless that is `self`, which `work` recomputes) and runs `work` again.
   */
  private *retrying<T>(self: PieceId | undefined, work: (this: PieceRunner) => Generator<RunEvent, T>): Generator<RunEvent, T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return yield* work.call(this);
      } catch (e) {
        if (!(e instanceof CorruptFileError) || e.key === undefined || attempt >= MAX_RETRIES) throw e;
        const producer = producerOf(e.key);
        if (producer === undefined) throw e;
        yield this.setAside(e);
        if (self === undefined || pieceKey(producer) !== pieceKey(self)) {
          const redone = yield* this.run(producer);
          if (redone.diverged) throw new Error(`recomputing ${e.path}: piece ${pieceKey(producer)} diverged this time`);
        }
      }
    }
  }

  // Sets a bad entry aside (a missing one needs nothing) and describes it as an event.
  private setAside(e: CorruptFileError): RunEvent {
    if (e.missing || e.key === undefined) return { kind: 'corrupt', path: e.path, reason: e.reason };
    return { kind: 'corrupt', path: e.path, reason: e.reason, movedTo: this.store.quarantine(e.key) };
  }
}

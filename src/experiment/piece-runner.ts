/**
 * Computing pieces (and the round masks they train under) with recovery from bad files: a
 * file read back that is missing or invalid is moved aside, reported as a RunEvent, and the
 * piece that wrote it is computed again before the reader retries.
 */
import { type Masks, density, fullMasks } from '../prune/masks.ts';
import type { KernelPlanStore } from '../train/kernel-plan.ts';
import type { Weights } from '../train/state.ts';
import type { PieceContext, RunEvent } from './branches/context.ts';
import { branches } from './branches/registry.ts';
import type { ExperimentConfig } from './config.ts';
import { writeJsonAtomic } from './io/atomic.ts';
import { CorruptFileError, moveAside } from './io/corrupt.ts';
import type { RunSetup } from './prepare-run.ts';
import { type PieceId, pieceKey, producerOf } from './piece-status.ts';
import { type PieceResult, nextMask, trialRngs } from './pieces.ts';
import { exists, loadMasks, loadWeights, saveMasks } from './store.ts';

// How often one read is retried after recomputing what it reads; more means a bug, not a bad file.
const MAX_RETRIES = 2;

/** Computes pieces of one run; `results` holds the done ones (by pieceKey) and gains each new one. */
export class PieceRunner {
  constructor(
    private readonly cfg: ExperimentConfig,
    private readonly s: RunSetup,
    private readonly results: Map<string, PieceResult>,
    private readonly kernelPlan?: KernelPlanStore,
  ) {}

  /** Trains piece `id` (whatever it reads is recomputed first if bad), saves and returns its result. */
  *run(id: PieceId): Generator<RunEvent, PieceResult> {
    const { cfg, s } = this;
    const { round, trial, branch } = id;
    return yield* this.retrying(id, function* (this: PieceRunner): Generator<RunEvent, PieceResult> {
      const ticketMask = yield* this.roundMask(round, trial);
      const ctx: PieceContext = { cfg, dir: s.dir, b: s.b, net: s.net, data: s.data, opt: s.opt, round, trial, branch, ticketMask, shapes: s.shapes, rates: s.rates, rng: trialRngs(cfg, trial, round, branch), kernelPlan: this.kernelPlan };
      yield { kind: 'piece', round, trial, branch, weightsRemaining: density(ticketMask), skipped: false };
      const result = yield* branches[branch].run(ctx);
      writeJsonAtomic(s.dir.result(round, trial, branch), result);
      this.results.set(pieceKey(id), result);
      yield { kind: 'pieceDone', result };
      return result;
    });
  }

  /**
   * The ticket mask of round r of trial t: loaded, or computed from round r-1's mask and trained
   * ticket and saved (all ones in round 0). A bad mask file is moved aside and computed again.
   */
  *roundMask(r: number, t: number): Generator<RunEvent, Masks> {
    const { cfg, s } = this;
    const path = s.dir.mask(r, t);
    if (exists(path)) {
      try {
        return loadMasks(path, s.maskShapes);
      } catch (e) {
        if (!(e instanceof CorruptFileError)) throw e;
        yield this.setAside(e);
      }
    }
    let mask: Masks;
    if (r === 0) {
      mask = fullMasks(s.sizes);
    } else {
      const prev = yield* this.roundMask(r - 1, t);
      const trained = yield* this.ticketWeights(r - 1, t);
      const dense = cfg.pruning.schedule === 'oneShot' ? yield* this.ticketWeights(0, t) : trained;
      mask = nextMask(cfg, r, prev, trained, dense, s.rates);
    }
    saveMasks(path, mask, s.shapes);
    return mask;
  }

  // The trained ticket of a round; bad or missing weights mean that ticket piece runs again.
  private *ticketWeights(r: number, t: number): Generator<RunEvent, Weights> {
    const path = this.s.dir.finalWeights(r, t, 'ticket');
    return yield* this.retrying(undefined, function* (this: PieceRunner): Generator<RunEvent, Weights> {
      return loadWeights(path, this.s.shapes);
    });
  }

  /**
   * Runs `work`; when it meets a bad file, moves the file aside, recomputes the piece that
   * wrote it (unless that is `self`, which `work` recomputes) and runs `work` again.
   */
  private *retrying<T>(self: PieceId | undefined, work: (this: PieceRunner) => Generator<RunEvent, T>): Generator<RunEvent, T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return yield* work.call(this);
      } catch (e) {
        if (!(e instanceof CorruptFileError) || attempt >= MAX_RETRIES) throw e;
        const producer = producerOf(this.cfg, this.s.dir, e.path);
        if (producer === undefined) throw e;
        yield this.setAside(e);
        if (self === undefined || pieceKey(producer) !== pieceKey(self)) {
          const redone = yield* this.run(producer);
          if (redone.diverged) throw new Error(`recomputing ${e.path}: piece ${pieceKey(producer)} diverged this time`);
        }
      }
    }
  }

  // Moves a bad file aside (a missing one needs nothing) and describes it as an event.
  private setAside(e: CorruptFileError): RunEvent {
    return e.missing ? { kind: 'corrupt', path: e.path, reason: e.reason } : { kind: 'corrupt', path: e.path, reason: e.reason, movedTo: moveAside(e.path) };
  }
}

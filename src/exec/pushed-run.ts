/**
 * A running piece fed from outside (a worker's messages): the scheduler iterates its events and
 * gets its result (scheduler.ts PieceRun), whatever thread or machine computes it.
 */
import type { RunEvent } from '../experiment/branches/context.ts';
import type { PieceResult } from '../experiment/pieces.ts';
import type { PieceRun } from '../experiment/scheduler.ts';
import { UserError } from '../util/errors.ts';

/** What a worker posts about its piece: events, then a result or an error. */
export type WorkerMessage = { event: RunEvent } | { result: PieceResult } | { error: { message: string; stack?: string; user: boolean } };

/** A PieceRun whose events and outcome are pushed in; return() calls `stop`. */
export class PushedRun implements PieceRun {
  private readonly queue: IteratorResult<RunEvent, PieceResult>[] = [];
  private waiting: { resolve: (s: IteratorResult<RunEvent, PieceResult>) => void; reject: (e: unknown) => void } | undefined;
  private failure: unknown;
  private ended = false;

  constructor(private readonly stop: () => void = () => undefined) {}

  /** Takes one message from the worker. */
  receive(m: WorkerMessage): void {
    if ('event' in m) this.push({ done: false, value: m.event });
    else if ('result' in m) this.push({ done: true, value: m.result });
    else this.fail(m.error.user ? new UserError(m.error.message) : Object.assign(new Error(m.error.message), { stack: m.error.stack }));
  }

  /** Ends the run with an error (a worker that died, a rejected task); later ones are ignored. */
  fail(e: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiting) this.waiting.reject(e);
    else this.failure = e;
    this.waiting = undefined;
  }

  next(): Promise<IteratorResult<RunEvent, PieceResult>> {
    const step = this.queue.shift();
    if (step) return Promise.resolve(step);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Abandons the piece: the worker computing it is stopped. */
  async return(): Promise<IteratorResult<RunEvent, PieceResult>> {
    if (!this.ended) {
      this.ended = true;
      this.stop();
    }
    return { done: true, value: undefined as never };
  }

  private push(step: IteratorResult<RunEvent, PieceResult>): void {
    if (this.ended) return;
    if (step.done) this.ended = true;
    if (this.waiting) {
      this.waiting.resolve(step);
      this.waiting = undefined;
    } else {
      this.queue.push(step);
    }
  }
}

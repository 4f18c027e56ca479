import type { Backend, Buf } from '../backend/backend.ts';
import type { Parameter } from '../nn/module.ts';
import type { SparseWeight } from '../autograd/ops/sparse-linear.ts';
import { relayoutState } from './sparse-state.ts';

/** Optimizer settings as they appear in configs. */
export type OptimizerConfig =
  | { kind: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number }
  | { kind: 'sgd'; lr: number; momentum?: number; weightDecay?: number; nesterov?: boolean };

/**
 * Updates parameters from their gradients, honouring each parameter's mask so that pruned
 * weights (and their optimizer state) stay exactly zero. State is allocated once.
 */
export interface Optimizer {
  /** One update with learning rate `lr` (schedules are the trainer's business). */
  step(lr: number): void;
  /** Zeroes the optimizer state (a fresh optimizer for a new round). */
  reset(): void;
  /** Frees the state buffers. */
  dispose(): void;
  /**
   * Moves each parameter's state to the layout it trains in now (dense, or compact over its
   * nonzeros while `p.sparse` is set). step() does it too; call it before freeing a SparseWeight.
   */
  syncLayout(): void;
}

/** Adam (Kingma & Ba) with optional L2 weight decay. */
export class Adam implements Optimizer {
  private readonly m1: Buf[];
  private readonly m2: Buf[];
  private t = 0;
  // The layout each parameter's state is in (null: dense).
  private readonly layout: (SparseWeight | null)[];
  constructor(
    private readonly b: Backend,
    private readonly params: Parameter[],
    private readonly cfg: { beta1: number; beta2: number; eps: number; weightDecay: number },
  ) {
    this.m1 = params.map((p) => b.alloc(p.size));
    this.m2 = params.map((p) => b.alloc(p.size));
    this.layout = params.map(() => null);
  }
  step(lr: number): void {
    this.t++;
    this.syncLayout();
    const { beta1, beta2, eps, weightDecay } = this.cfg;
    const args = { lr, beta1, beta2, eps, weightDecay, bc1: 1 - beta1 ** this.t, bc2: 1 - beta2 ** this.t };
    this.params.forEach((p, i) => {
      const t = p.trainable; // the nonzero values of a sparse weight: work and state scale with them
      if (t.grad === null || !t.gradWritten) return;
      this.b.adam(t.buf, t.grad, this.m1[i], this.m2[i], p.sparse ? null : p.mask, t.size, args);
    });
  }
  syncLayout(): void {
    this.params.forEach((p, i) => {
      relayoutState(this.b, [this.m1[i], this.m2[i]], this.layout[i], p.sparse, p.size);
      this.layout[i] = p.sparse;
    });
  }
  reset(): void {
    this.t = 0;
    this.params.forEach((p, i) => {
      this.b.fill(this.m1[i], 0, p.size);
      this.b.fill(this.m2[i], 0, p.size);
    });
  }
  dispose(): void {
    for (const buf of [...this.m1, ...this.m2]) this.b.free(buf);
  }
}

/** SGD with momentum, optional Nesterov and L2 weight decay (PyTorch semantics). */
export class Sgd implements Optimizer {
  private readonly vel: Buf[];
  private readonly layout: (SparseWeight | null)[];
  constructor(
    private readonly b: Backend,
    private readonly params: Parameter[],
    private readonly cfg: { momentum: number; weightDecay: number; nesterov: boolean },
  ) {
    this.vel = params.map((p) => b.alloc(p.size));
    this.layout = params.map(() => null);
  }
  step(lr: number): void {
    this.syncLayout();
    const args = { lr, ...this.cfg };
    this.params.forEach((p, i) => {
      const t = p.trainable;
      if (t.grad === null || !t.gradWritten) return;
      this.b.sgd(t.buf, t.grad, this.vel[i], p.sparse ? null : p.mask, t.size, args);
    });
  }
  syncLayout(): void {
    this.params.forEach((p, i) => {
      relayoutState(this.b, [this.vel[i]], this.layout[i], p.sparse, p.size);
      this.layout[i] = p.sparse;
    });
  }
  reset(): void {
    this.params.forEach((p, i) => this.b.fill(this.vel[i], 0, p.size));
  }
  dispose(): void {
    for (const buf of this.vel) this.b.free(buf);
  }
}

/** Builds an optimizer from its config, filling in the usual defaults. */
export function makeOptimizer(b: Backend, params: Parameter[], cfg: OptimizerConfig): Optimizer {
  if (cfg.kind === 'adam') {
    return new Adam(b, params, { beta1: cfg.beta1 ?? 0.9, beta2: cfg.beta2 ?? 0.999, eps: cfg.eps ?? 1e-8, weightDecay: cfg.weightDecay ?? 0 });
  }
  return new Sgd(b, params, { momentum: cfg.momentum ?? 0, weightDecay: cfg.weightDecay ?? 0, nesterov: cfg.nesterov ?? false });
}

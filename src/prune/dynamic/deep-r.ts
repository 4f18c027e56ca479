/**
 * DEEP R (Bellec, Kappel, Maass & Legenstein, ICLR 2018): training under a fixed connection
 * budget. Every connection k has a sign s_k fixed at the start and a parameter θ_k; it is
 * active while θ_k >= 0, with weight w_k = s_k·θ_k, and dormant (w_k = 0) otherwise. After each
 * gradient step, active parameters get an L1 shrinkage and Langevin noise,
 *     θ_k <- θ_k − η·α + sqrt(2ηT)·ν_k,   ν_k ~ N(0, 1),
 * a connection whose θ_k falls below 0 becomes dormant, and as many dormant connections,
 * chosen uniformly at random, are re-activated with θ = θ0, so the number of active
 * connections never changes. η is the learning rate the step used (with Adam this is a
 * heuristic: the paper's η is plain SGD's).
 */
import type { Backend } from '../../backend/backend.ts';
import type { Parameter } from '../../nn/module.ts';
import type { Rng } from '../../util/rng.ts';
import { type Masks, cloneMasks } from '../masks.ts';
import { type Rewirer, type Rewiring, assertDense, installMasks, sampleWithoutReplacement, writeMask } from './rewirer.ts';

/** Settings of DEEP R. */
export interface DeepROptions {
  /** α, the L1 shrinkage coefficient (the paper's regulariser; 0 turns it off). */
  alpha: number;
  /** T, the temperature of the noise (0 turns it off). */
  temperature: number;
  /** θ of a re-activated connection (default 0: it starts at weight 0 with its fixed sign). */
  theta0?: number;
  /**
   * 'layer' (default): each layer keeps its own number of active connections, comparable with
   * a ticket's per-layer allocation; 'global': one budget for the whole network, dormant
   * connections re-activated uniformly over all layers, as in the paper.
   */
  scope?: 'layer' | 'global';
  /** Draws the signs of connections that start at 0, the noise and the re-activations. */
  rng: Rng;
}

/** The DEEP R rewirer (see the file comment); create with deepRRewirer. */
class DeepR implements Rewirer {
  readonly name = 'deep-r';
  private current: Masks;
  private prunable: Parameter[] = [];
  private signs: Int8Array[] = [];

  constructor(masks: Masks, private readonly opts: DeepROptions) {
    if (!(opts.alpha >= 0) || !(opts.temperature >= 0)) throw new Error(`deep-r: alpha and temperature must be >= 0, got ${opts.alpha} and ${opts.temperature}`);
    if (!((opts.theta0 ?? 0) >= 0)) throw new Error(`deep-r: theta0 must be >= 0, got ${opts.theta0}`);
    this.current = cloneMasks(masks);
  }

  start(b: Backend, params: Parameter[]): void {
    this.prunable = installMasks(b, params, this.current, this.name);
    // active connections keep the sign they were initialised with (so w = s·|w| holds at
    // the start); connections at 0, dormant ones included, draw theirs
    this.signs = this.prunable.map((p) => {
      const w = b.read(p.tensor.buf);
      return Int8Array.from(w, (v) => (v > 0 ? 1 : v < 0 ? -1 : this.opts.rng.next() < 0.5 ? 1 : -1));
    });
  }

  afterStep(_iteration: number, b: Backend, _params: Parameter[], lr: number): Rewiring | null {
    if (this.prunable.length === 0 && Object.keys(this.current).length > 0) throw new Error('deep-r: call start() before afterStep()');
    assertDense(this.prunable, this.name);
    const { alpha, temperature, rng } = this.opts;
    const shrink = lr * alpha;
    const noise = Math.sqrt(2 * lr * temperature);
    const weights = this.prunable.map((p) => b.read(p.tensor.buf));
    const died: number[][] = this.prunable.map(() => []);
    this.prunable.forEach((p, l) => {
      const w = weights[l];
      const s = this.signs[l];
      const m = this.current[p.name];
      for (let i = 0; i < w.length; i++) {
        if (m[i] === 0) continue;
        let theta = s[i] * w[i] - shrink;
        if (noise > 0) theta += noise * rng.normal();
        if (theta < 0) {
          w[i] = 0;
          died[l].push(i);
        } else {
          w[i] = s[i] * theta;
        }
      }
    });
    const born = this.opts.scope === 'global' ? this.reviveGlobal(died) : died.map((d, l) => this.revive(l, d.length, d));
    const theta0 = this.opts.theta0 ?? 0;
    const changes: Rewiring = {};
    this.prunable.forEach((p, l) => {
      const w = weights[l];
      const m = this.current[p.name];
      for (const i of died[l]) m[i] = 0;
      for (const i of born[l]) {
        m[i] = 1;
        w[i] = this.signs[l][i] * theta0;
      }
      b.write(p.tensor.buf, w);
      if (died[l].length === 0 && born[l].length === 0) return;
      writeMask(b, p, m);
      changes[p.name] = { grown: Int32Array.from(born[l]).sort(), pruned: Int32Array.from(died[l]) };
    });
    return Object.keys(changes).length > 0 ? changes : null;
  }

  masks(): Masks {
    return cloneMasks(this.current);
  }

  /**
   * `count` uniformly random dormant positions of layer l, among those dormant during the
   * step just taken; the ones that just died join the pool only when those run out.
   */
  private revive(l: number, count: number, justDied: number[]): Int32Array {
    if (count === 0) return new Int32Array(0);
    const pool = this.dormantBefore(l);
    if (pool.length >= count) return sampleWithoutReplacement(pool, count, this.opts.rng);
    const extra = sampleWithoutReplacement(Int32Array.from(justDied), count - pool.length, this.opts.rng);
    return Int32Array.from([...pool, ...extra]);
  }

  /** One budget: re-activate as many as died in all layers, uniformly over all dormant ones. */
  private reviveGlobal(died: number[][]): Int32Array[] {
    const count = died.reduce((a, d) => a + d.length, 0);
    const out: number[][] = this.prunable.map(() => []);
    if (count === 0) return out.map(() => new Int32Array(0));
    // global flat positions: layer l's index i is offset[l] + i
    const offsets: number[] = [];
    let total = 0;
    for (const p of this.prunable) {
      offsets.push(total);
      total += p.size;
    }
    const pools = this.prunable.map((_, l) => this.dormantBefore(l).map((i) => i + offsets[l]));
    const pool = new Int32Array(pools.reduce((a, q) => a + q.length, 0));
    pools.reduce((at, q) => (pool.set(q, at), at + q.length), 0);
    let picked = sampleWithoutReplacement(pool, count, this.opts.rng);
    if (picked.length < count) {
      const justDied = Int32Array.from(died.flatMap((d, l) => d.map((i) => i + offsets[l])));
      picked = Int32Array.from([...picked, ...sampleWithoutReplacement(justDied, count - picked.length, this.opts.rng)]);
    }
    for (const g of picked) {
      let l = offsets.length - 1;
      while (offsets[l] > g) l--;
      out[l].push(g - offsets[l]);
    }
    return out.map((o) => Int32Array.from(o));
  }

  /** Positions of layer l that were dormant before this update (its mask still says so). */
  private dormantBefore(l: number): Int32Array {
    const m = this.current[this.prunable[l].name];
    const out: number[] = [];
    for (let i = 0; i < m.length; i++) if (m[i] === 0) out.push(i);
    return Int32Array.from(out);
  }
}

/**
 * A DEEP R rewirer starting from `masks` (the connection budget: how many are active, per
 * layer or in total). Call start() once before training, afterStep() after every optimizer
 * step with that step's learning rate. Seeded by `opts.rng`.
 */
export function deepRRewirer(masks: Masks, opts: DeepROptions): Rewirer {
  return new DeepR(masks, opts);
}

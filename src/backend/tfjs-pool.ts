/**
 * The pool family of the tfjs backend. Global average pooling is a mean over each plane. For
 * max pooling the contract fixes tie and NaN behaviour bit for bit (the first maximum
 * of a window wins, padding is skipped, a NaN once taken stays) and tf.maxPool promises
 * neither, so the window is scanned tap by tap: one gather reads every tap of every window
 * through a per-geometry index table, and where() keeps the reference's `v > best` rule.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Buf, PoolGeom, PoolOps } from './backend.ts';
import { checkPoolGeom, poolSizes } from './conv-geom.ts';
import type { TfStore } from './tfjs-memory.ts';

/** Pooling geometries whose tap tables stay cached. */
const TAP_CACHE_SIZE = 16;

/** The pool family on tfjs: max pooling and global average pooling, forward and backward. */
export class TfPoolOps implements PoolOps {
  private readonly tf;
  // geometry key -> the tap tables; bounded, so the tensor count stays flat
  private readonly taps = new Map<string, { table: tfjs.Tensor2D; valid: tfjs.Tensor2D }>();

  constructor(private readonly s: TfStore) {
    this.tf = s.tf;
  }

  maxPool2d(x: Buf, y: Buf, g: PoolGeom): void {
    checkPoolGeom(g, 'maxPool2d');
    const z = poolSizes(g);
    this.s.buf(x, z.x, 'maxPool2d x');
    this.s.buf(y, z.y, 'maxPool2d y');
    if (z.y === 0) return;
    this.s.set(y, z.y, () => this.poolScan(x, g).best);
  }

  maxPool2dBackward(x: Buf, dy: Buf, dx: Buf, g: PoolGeom, accumulate: boolean): void {
    checkPoolGeom(g, 'maxPool2dBackward');
    const z = poolSizes(g);
    this.s.buf(x, z.x, 'maxPool2dBackward x');
    this.s.buf(dy, z.y, 'maxPool2dBackward dy');
    this.s.buf(dx, z.x, 'maxPool2dBackward dx');
    if (z.x === 0) return;
    if (z.y === 0) return this.s.zero(dx, z.x, accumulate);
    const tf = this.tf;
    this.s.set(dx, z.x, () => {
      // scatterND adds the updates of repeated indices: overlapping windows sum, as in the reference
      const d = tf.scatterND(tf.reshape(this.poolScan(x, g).arg, [z.y, 1]), this.s.in(dy, z.y, ''), [z.x]);
      return accumulate ? tf.add(this.s.in(dx, z.x, ''), d) : d;
    });
  }

  globalAvgPool(x: Buf, y: Buf, nc: number, plane: number): void {
    this.s.buf(x, nc * plane, 'globalAvgPool x');
    this.s.buf(y, nc, 'globalAvgPool y');
    if (nc === 0) return;
    if (plane === 0) return this.s.zero(y, nc, false);
    const tf = this.tf;
    this.s.set(y, nc, () => tf.div(tf.sum(tf.reshape(this.s.in(x, nc * plane, ''), [nc, plane]), 1), plane));
  }

  globalAvgPoolBackward(dy: Buf, dx: Buf, nc: number, plane: number, accumulate: boolean): void {
    this.s.buf(dy, nc, 'globalAvgPoolBackward dy');
    this.s.buf(dx, nc * plane, 'globalAvgPoolBackward dx');
    if (nc * plane === 0) return;
    const tf = this.tf;
    this.s.set(dx, nc * plane, () => {
      const d = tf.tile(tf.reshape(tf.div(this.s.in(dy, nc, ''), plane), [nc, 1]), [1, plane]);
      return accumulate ? tf.add(tf.reshape(this.s.in(dx, nc * plane, ''), [nc, plane]), d) : d;
    });
  }

  /**
   * The reference's window scan: the first tap inside the input is taken, later ones only when
   * strictly greater (so ties keep the first and a NaN, once taken, stays). Returns the maxima
   * and their flat input indices; call inside tf.tidy.
   */
  private poolScan(x: Buf, g: PoolGeom): { best: tfjs.Tensor1D; arg: tfjs.Tensor1D } {
    const tf = this.tf;
    const { table, valid } = this.tapTable(g);
    const X = this.s.in(x, poolSizes(g).x, '');
    const vals = tf.gather(X, table); // [taps, outputs]
    const taps = g.kh * g.kw;
    const row = (m: tfjs.Tensor, t: number): tfjs.Tensor1D => tf.squeeze(tf.slice(m, [t, 0], [1, -1]), [0]);
    let best = row(vals, 0);
    let arg = row(table, 0);
    let has = row(valid, 0);
    for (let t = 1; t < taps; t++) {
      const v = row(vals, t);
      const ok = row(valid, t);
      const take = tf.logicalAnd(ok, tf.logicalOr(tf.logicalNot(has), tf.greater(v, best)));
      best = tf.where(take, v, best);
      arg = tf.where(take, row(table, t), arg);
      has = tf.logicalOr(has, ok);
    }
    return { best, arg };
  }

  // For each tap (window row-major) and output pixel, the flat input index it reads (0 and
  // invalid where it falls in padding); built on the CPU once per geometry.
  private tapTable(g: PoolGeom): { table: tfjs.Tensor2D; valid: tfjs.Tensor2D } {
    const key = [g.n, g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW].join(',');
    const hit = this.taps.get(key);
    if (hit) return hit;
    const outs = g.n * g.c * g.outH * g.outW;
    const taps = g.kh * g.kw;
    const idx = new Int32Array(taps * outs);
    const ok = new Uint8Array(taps * outs);
    for (let pl = 0; pl < g.n * g.c; pl++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
      const o = (pl * g.outH + oy) * g.outW + ox;
      for (let a = 0; a < g.kh; a++) for (let b = 0; b < g.kw; b++) {
        const r = oy * g.strideH - g.padH + a;
        const s = ox * g.strideW - g.padW + b;
        const inside = r >= 0 && r < g.h && s >= 0 && s < g.w;
        idx[(a * g.kw + b) * outs + o] = inside ? (pl * g.h + r) * g.w + s : 0;
        ok[(a * g.kw + b) * outs + o] = inside ? 1 : 0;
      }
    }
    const entry = { table: this.tf.tensor2d(idx, [taps, outs], 'int32'), valid: this.tf.tensor2d(ok, [taps, outs], 'bool') };
    if (this.taps.size >= TAP_CACHE_SIZE) {
      const [oldest, old] = this.taps.entries().next().value as [string, { table: tfjs.Tensor2D; valid: tfjs.Tensor2D }];
      old.table.dispose();
      old.valid.dispose();
      this.taps.delete(oldest);
    }
    // built inside the caller's tf.tidy: keep() exempts them, the cache disposes them
    this.tf.keep(entry.table);
    this.tf.keep(entry.valid);
    this.taps.set(key, entry);
    return entry;
  }
}

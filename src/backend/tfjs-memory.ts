/**
 * The tfjs backend's memory family. Buffers are mutable wrappers around 1-D tf tensors; tfjs
 * tensors are immutable, so an op that "writes" a buffer computes a new tensor and swaps it in,
 * disposing the old one. `TfStore` owns that bookkeeping (liveness, scratch, byte count) for one
 * backend, and the other tfjs families reach their tensors through it.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Buf, IntBuf, MemoryOps } from './backend.ts';
import { need } from './check.ts';
import { TrackedMemory } from './tracked-memory.ts';
import type { Tf } from './tfjs-init.ts';

/** A float32 buffer of the tfjs backend: `t` is replaced (never mutated) by every write. */
export class TfBuf implements Buf {
  live = true;
  constructor(public t: tfjs.Tensor1D, readonly owner: TfStore) {}
  get length(): number {
    return this.t.size;
  }
}

/**
 * An int32 buffer of the tfjs backend. `host` mirrors the tensor: the sparse ops read indices on
 * the CPU side (tfjs has no CSR primitive), and only writeInt changes them.
 */
export class TfIntBuf implements IntBuf {
  readonly dtype = 'i32';
  live = true;
  constructor(public t: tfjs.Tensor1D, public host: Int32Array, readonly owner: TfStore) {}
  get length(): number {
    return this.host.length;
  }
}

/** Memory of one tfjs backend: allocation, liveness checks, and swapping results into buffers. */
export class TfStore extends TrackedMemory<TfBuf> implements MemoryOps {
  constructor(readonly tf: Tf) {
    super();
  }

  protected releaseScratch(b: TfBuf): void {
    if (b.live) this.free(b); // a scratch buffer may already have been freed one by one
  }

  /** Unwraps `b`, rejecting foreign, freed, reset or too-short buffers. */
  buf(b: Buf, n: number, what: string): TfBuf {
    if (!(b instanceof TfBuf) || b.owner !== this) throw new Error(`tfjs backend: ${what}: buffer belongs to another backend`);
    if (!b.live) throw new Error(`tfjs backend: ${what}: buffer used after free() or resetScratch()`);
    need(b, n, what);
    return b;
  }

  /** The first n elements of `b` as a tensor; call inside tf.tidy (a slice is a new tensor). */
  in(b: Buf, n: number, what: string): tfjs.Tensor1D {
    const t = this.buf(b, n, what).t;
    return n === t.size ? t : this.tf.slice(t, 0, n);
  }

  /**
   * Makes `t` (n elements, any shape, a fresh tensor the caller hands over) the first n
   * elements of `b`, keeping the rest; disposes what it replaces.
   */
  put(b: Buf, n: number, t: tfjs.Tensor): void {
    const tb = b as TfBuf;
    const old = tb.t;
    const next = this.tf.tidy(() => {
      const flat = this.tf.reshape(t, [n]) as tfjs.Tensor1D;
      return n === old.size ? flat : (this.tf.concat([flat, this.tf.slice(old, n)]) as tfjs.Tensor1D);
    });
    t.dispose();
    old.dispose();
    tb.t = next;
  }

  /** put(), computing the tensor in a tf.tidy so its intermediates are released. */
  set(b: Buf, n: number, f: () => tfjs.Tensor): void {
    this.put(b, n, this.tf.tidy(f));
  }

  /** Zeroes the first n elements of b unless accumulate (an op whose contribution is 0). */
  zero(b: Buf, n: number, accumulate: boolean): void {
    if (!accumulate && n > 0) this.set(b, n, () => this.tf.zeros([n]));
  }

  alloc(n: number): TfBuf {
    this.liveBytes += n * 4;
    return new TfBuf(this.tf.zeros([n]) as tfjs.Tensor1D, this);
  }

  free(b: Buf): void {
    const tb = this.buf(b, 0, 'free');
    tb.t.dispose();
    tb.live = false;
    this.liveBytes -= tb.length * 4;
  }

  scratch(n: number): TfBuf {
    return this.addScratch(this.alloc(n));
  }

  scratchUninit(n: number): TfBuf {
    const b = this.scratch(n);
    this.set(b, n, () => this.tf.fill([n], NaN)); // like the reference: a read of unwritten data shows as NaN
    return b;
  }

  read(b: Buf, out?: Float32Array): Float32Array {
    const data = this.buf(b, 0, 'read').t.dataSync() as Float32Array; // the wasm backend returns a copy
    if (out === undefined) return data;
    if (out.length !== data.length) throw new Error(`read: out has ${out.length} elements, buffer ${data.length}`);
    out.set(data);
    return out;
  }

  write(b: Buf, src: ArrayLike<number>, offset = 0): void {
    const tb = this.buf(b, 0, 'write');
    if (offset < 0 || offset + src.length > tb.length) {
      throw new RangeError(`write: ${src.length} values at offset ${offset} overflow a buffer of ${tb.length}`);
    }
    let data: Float32Array;
    if (offset === 0 && src.length === tb.length) data = Float32Array.from(src);
    else {
      data = tb.t.dataSync() as Float32Array;
      data.set(src, offset);
    }
    tb.t.dispose();
    tb.t = this.tf.tensor1d(data, 'float32');
  }

  /** Unwraps an int buffer, rejecting foreign, freed or too-short ones. */
  int(b: IntBuf, n: number, what: string): TfIntBuf {
    if (!(b instanceof TfIntBuf) || b.owner !== this) throw new Error(`tfjs backend: ${what}: int buffer belongs to another backend`);
    if (!b.live) throw new Error(`tfjs backend: ${what}: int buffer used after freeInt()`);
    need(b, n, what);
    return b;
  }

  allocInt(n: number): TfIntBuf {
    this.liveBytes += n * 4;
    return new TfIntBuf(this.tf.zeros([n], 'int32') as tfjs.Tensor1D, new Int32Array(n), this);
  }

  freeInt(b: IntBuf): void {
    const ib = this.int(b, 0, 'freeInt');
    ib.t.dispose();
    ib.live = false;
    this.liveBytes -= ib.length * 4;
  }

  writeInt(b: IntBuf, src: ArrayLike<number>, offset = 0): void {
    const ib = this.int(b, 0, 'writeInt');
    const host = ib.host.slice();
    host.set(src, offset); // throws a RangeError past the end, before anything changes
    ib.t.dispose();
    ib.t = this.tf.tensor1d(host, 'int32');
    ib.host = host;
  }

  readInt(b: IntBuf): Int32Array {
    return this.int(b, 0, 'readInt').host.slice();
  }
}

/**
 * The js reference backend's memory family: buffers are typed arrays with a liveness flag, so
 * a use after free() or resetScratch() throws instead of reading stale data (the oracle is strict).
 */
import type { Buf, IntBuf, MemoryOps } from './backend.ts';
import { need } from './check.ts';
import { TrackedMemory } from './tracked-memory.ts';

/** A js-backend buffer: a Float32Array plus a liveness flag that catches use after free/reset. */
export class JsBuf implements Buf {
  live = true;
  constructor(readonly data: Float32Array) {}
  get length(): number {
    return this.data.length;
  }
}

/** A js-backend int32 buffer, with the same liveness flag as JsBuf. */
export class JsIntBuf implements IntBuf {
  readonly dtype = 'i32';
  live = true;
  constructor(readonly data: Int32Array) {}
  get length(): number {
    return this.data.length;
  }
}

/** Unwraps a buffer, rejecting foreign, freed, reset or too-short ones (`what` names op and argument). */
export function arr(b: Buf, n = 0, what = ''): Float32Array {
  if (!(b instanceof JsBuf)) throw new Error('js backend: buffer belongs to another backend');
  if (!b.live) throw new Error('js backend: buffer used after free() or resetScratch()');
  need(b, n, what);
  return b.data;
}

/** Unwraps an int buffer, rejecting foreign, freed or too-short ones. */
export function ints(b: IntBuf, n: number, what: string): Int32Array {
  if (!(b instanceof JsIntBuf)) throw new Error(`js backend: ${what}: int buffer belongs to another backend`);
  if (!b.live) throw new Error(`js backend: ${what}: int buffer used after freeInt()`);
  need(b, n, what);
  return b.data;
}

/** Allocation, scratch and host copies of the js backend. */
export class JsMemory extends TrackedMemory<JsBuf> implements MemoryOps {
  protected releaseScratch(b: JsBuf): void {
    b.live = false;
    this.liveBytes -= b.length * 4;
  }

  alloc(n: number): Buf {
    this.liveBytes += n * 4;
    return new JsBuf(new Float32Array(n));
  }
  free(b: Buf): void {
    arr(b);
    (b as JsBuf).live = false;
    this.liveBytes -= b.length * 4;
  }
  scratch(n: number): Buf {
    this.liveBytes += n * 4;
    return this.addScratch(new JsBuf(new Float32Array(n)));
  }
  scratchUninit(n: number): Buf {
    const b = this.scratch(n);
    (b as JsBuf).data.fill(NaN); // a read of never-written memory shows up as NaN in every test
    return b;
  }
  read(b: Buf, out?: Float32Array): Float32Array {
    const src = arr(b);
    const dst = out ?? new Float32Array(src.length);
    if (dst.length !== src.length) throw new Error(`read: out has ${dst.length} elements, buffer ${src.length}`);
    dst.set(src);
    return dst;
  }
  write(b: Buf, src: ArrayLike<number>, offset = 0): void {
    arr(b).set(src, offset);
  }
  allocInt(n: number): IntBuf {
    this.liveBytes += n * 4;
    return new JsIntBuf(new Int32Array(n));
  }
  freeInt(b: IntBuf): void {
    ints(b, 0, 'freeInt');
    (b as JsIntBuf).live = false;
    this.liveBytes -= b.length * 4;
  }
  writeInt(b: IntBuf, src: ArrayLike<number>, offset = 0): void {
    ints(b, 0, 'writeInt').set(src, offset);
  }
  readInt(b: IntBuf): Int32Array {
    return ints(b, 0, 'readInt').slice();
  }
}

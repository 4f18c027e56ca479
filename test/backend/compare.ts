// Helpers for suites that compare a backend against the js reference: seeded inputs, buffers,
// and an elementwise comparison that names the first offender. Runtime-neutral (uvu/assert
// runs in browsers too): the WebGL conformance page bundles it.
import * as assert from 'uvu/assert';
import type { Backend, Buf } from '../../src/backend/backend.ts';
import type { Rng } from '../../src/util/rng.ts';

/** Uniform values in [-scale, scale). */
export function rand(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
}

/** A buffer on backend `b` holding `data`. */
export function buf(b: Backend, data: ArrayLike<number>): Buf {
  const x = b.alloc(data.length);
  b.write(x, data);
  return x;
}

/**
 * Asserts |got - want| <= atol + rtol*|want| elementwise (NaN matches NaN). With rtol = atol = 0
 * the match must be exact to the bit pattern class: Object.is, so -0 and +0 differ.
 */
export function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-6): void {
  assert.is(got.length, want.length, `${what}: length`);
  const exact = rtol === 0 && atol === 0;
  for (let i = 0; i < want.length; i++) {
    const ok = exact
      ? Object.is(got[i], want[i])
      : got[i] === want[i] || Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
    if (!ok) assert.unreachable(`${what}: [${i}] got ${got[i]}, want ${want[i]}`);
  }
}

/** Runs `op` on `ref` and on `b` with the same inputs; compares every argument afterwards. */
export function same(ref: Backend, b: Backend, inputs: Float32Array[], op: (be: Backend, bufs: Buf[]) => number | void,
  what: string, rtol?: number, atol?: number): void {
  const rb = inputs.map((d) => buf(ref, d));
  const cb = inputs.map((d) => buf(b, d));
  const want = op(ref, rb);
  const got = op(b, cb);
  if (typeof want === 'number') close([got as number], [want], `${what} (return)`, rtol, atol);
  rb.forEach((x, i) => close(b.read(cb[i]), ref.read(x), `${what} (arg ${i})`, rtol, atol));
  rb.forEach((x) => ref.free(x));
  cb.forEach((x) => b.free(x));
}

// What the kernel-pool tests share: the single-threaded build as the reference and threaded
// backends on 1, 2 and 3 threads with the size thresholds off (minWork 1, so even the smallest
// op is split), set up before a suite and their pools disposed after it, and `same`, which
// runs an op on all of them and wants every argument identical to the bit.
import type { Test } from 'uvu';
import type { Backend, Buf } from '../../../src/backend/backend.ts';
import { type WasmBackend, createWasmBackend } from '../../../src/backend/wasm.ts';
import { buf, close } from '../compare.ts';

export interface ThreadHarness {
  /** The threaded backends, 1, 2 and 3 threads (filled before the suite runs). */
  threaded: WasmBackend[];
  /**
   * Runs `op` on the reference and every threaded backend with the same inputs; every argument
   * must come out identical to the bit (Object.is: -0 and +0 differ, NaN matches NaN).
   */
  same(inputs: Float32Array[], op: (be: Backend, bufs: Buf[]) => void, what: string): void;
}

/** Registers the backends' setup and teardown on `suite`. */
export function threadHarness(suite: Test): ThreadHarness {
  let ref: Backend;
  const threaded: WasmBackend[] = [];
  suite.before(async () => {
    ref = await createWasmBackend();
    for (const threads of [1, 2, 3]) threaded.push(await createWasmBackend(undefined, { threads, minWork: { flops: 1, elems: 1 } }));
  });
  suite.after(() => {
    for (const b of threaded) b.disposeThreads();
  });
  return {
    threaded,
    same(inputs, op, what) {
      const rb = inputs.map((d) => buf(ref, d));
      op(ref, rb);
      const want = rb.map((x) => ref.read(x));
      rb.forEach((x) => ref.free(x));
      for (const b of threaded) {
        const cb = inputs.map((d) => buf(b, d));
        op(b, cb);
        cb.forEach((x, i) => close(b.read(x), want[i], `${what}, ${b.threads} threads (arg ${i})`, 0, 0));
        cb.forEach((x) => b.free(x));
      }
    },
  };
}

/**
 * Interim seq family for backends whose kernels are not written yet: copies each buffer argument
 * out, runs the js reference (js-seq.ts) on the copies, and writes them back. Correct but slow;
 * replaced by native kernels family by family.
 */
import type { Buf, SeqOps } from './backend.ts';
import { familyMethods } from './backend.ts';
import { JsBuf } from './js-memory.ts';
import { JsSeqOps } from './js-seq.ts';

/** The seq ops over host copies: `read` copies a buffer out, `write` puts data back. */
export function hostSeqOps(read: (b: Buf) => Float32Array, write: (b: Buf, data: Float32Array) => void): SeqOps {
  const ref = new JsSeqOps() as unknown as Record<string, (...a: unknown[]) => void>;
  const out: Record<string, (...a: unknown[]) => void> = {};
  for (const name of Object.keys(familyMethods.seq)) {
    out[name] = (...args: unknown[]): void => {
      const copies = new Map<Buf, JsBuf>();
      const mapped = args.map((a) => {
        if (a === null || typeof a !== 'object') return a;
        const b = a as Buf;
        let c = copies.get(b);
        if (c === undefined) copies.set(b, (c = new JsBuf(read(b))));
        return c;
      });
      ref[name](...mapped);
      for (const [b, c] of copies) write(b, c.data);
    };
  }
  return out as unknown as SeqOps;
}

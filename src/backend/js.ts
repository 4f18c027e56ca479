/**
 * The reference backend: every op written in the most obviously-correct way, with float64
 * accumulation. It is the oracle the other backends are tested against, not a fast path.
 * Composed from its family objects, one file each (js-<family>.ts).
 */
import { ComposedBackend } from './compose.ts';
import { JsConvOps } from './js-conv.ts';
import { JsCore } from './js-core.ts';
import { JsMemory } from './js-memory.ts';
import { JsSeqOps } from './js-seq.ts';
import { JsSparseOps } from './js-sparse.ts';
import { JsSparseConvOps } from './js-sparse-conv.ts';

/** The plain-TypeScript backend. */
export class JsBackend extends ComposedBackend {
  constructor() {
    const nchw = new JsConvOps(); // convolution and pooling share one stateless object
    super('js', { memory: new JsMemory(), core: new JsCore(), conv: nchw, pool: nchw, sparse: new JsSparseOps(), sparseConv: new JsSparseConvOps(), seq: new JsSeqOps() });
  }
}

/**
 * What the sparse convolution ops of every backend check before running: the geometry, and a
 * CSR filter bank that fits it (rows = output channels, columns = c·kh·kw, values in CSR order).
 */
import type { ConvGeom, CsrIndex } from './backend.ts';
import { checkConvGeom } from './conv-geom.ts';

/** Throws naming `what` unless g is a valid geometry and `a` a [cout, c·kh·kw] CSR owning its values. */
export function checkSparseConv(a: CsrIndex, g: ConvGeom, what: string): void {
  checkConvGeom(g, what);
  const k = g.c * g.kh * g.kw;
  if (a.rows !== g.cout || a.cols !== k) throw new RangeError(`${what}: a ${a.rows}x${a.cols} CSR does not fit ${g.cout} filters of ${g.c}x${g.kh}x${g.kw}`);
  if (a.perm !== null) throw new Error(`${what}: the CSR must own its values (perm must be null)`);
}

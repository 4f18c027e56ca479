import type { Backend, Buf } from '../backend/backend.ts';

/**
 * A tensor: a shape over a backend-owned buffer, plus the gradient slot the tape fills.
 * Parameters own persistent buffers; activations and gradients come from the step arena.
 */
export class Tensor {
  /** Gradient buffer (same size), null until backward first writes it. */
  grad: Buf | null = null;
  /** True once this step's backward has written `grad` (later writes accumulate). */
  gradWritten = false;

  constructor(
    readonly shape: readonly number[],
    readonly buf: Buf,
    readonly requiresGrad: boolean,
  ) {}

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }
}

/** Product of the dimensions. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Returns the buffer a backward closure writes `t`'s gradient into and whether it must
 * accumulate (a second consumer) or may overwrite (the first). Allocates from the arena.
 */
export function gradTarget(b: Backend, t: Tensor): { g: Buf; acc: boolean } {
  if (t.grad === null) t.grad = b.scratch(t.size);
  const acc = t.gradWritten;
  t.gradWritten = true;
  return { g: t.grad, acc };
}

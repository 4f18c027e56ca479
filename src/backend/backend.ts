/**
 * The primitive-op contract every backend implements (wasm SIMD, js reference, tfjs).
 *
 * Buffers are flat float32 arrays owned by the backend. All shapes are passed explicitly;
 * matrices are row-major. A kernel never allocates: outputs are caller-provided buffers.
 * Aliasing: unless a method says "in place", inputs and outputs must not overlap.
 */

/** A backend-owned float32 buffer of `length` elements. Opaque outside its backend. */
export interface Buf {
  readonly length: number;
}

/**
 * GEMM layouts, named by which operand is transposed (row-major storage):
 * - `nn`: C[m,n] = A[m,k] · B[k,n]
 * - `nt`: C[m,n] = A[m,k] · B[n,k]ᵀ  (forward of a Linear with weight [out,in])
 * - `tn`: C[m,n] = A[k,m]ᵀ · B[k,n]  (weight gradient)
 */
export type GemmLayout = 'nn' | 'nt' | 'tn';

/** Hyperparameters of one Adam step (bias corrections precomputed by the caller). */
export interface AdamArgs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 - beta1^t */
  bc1: number;
  /** 1 - beta2^t */
  bc2: number;
  /** L2 penalty added to the gradient (classic Adam, not AdamW). */
  weightDecay: number;
}

/** Hyperparameters of one SGD step (PyTorch semantics: v = mu*v + g + wd*w; w -= lr*v). */
export interface SgdArgs {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface Backend {
  readonly name: string;

  // ---- memory ----
  /** Persistent zero-filled buffer; lives until free(). */
  alloc(n: number): Buf;
  free(b: Buf): void;
  /** Temporary buffer from the step arena, zero-filled; valid until resetScratch(). */
  scratch(n: number): Buf;
  /** Releases every scratch buffer at once (called once per training step). */
  resetScratch(): void;
  /** Copies a buffer out (into `out` when given, which must have b.length elements). */
  read(b: Buf, out?: Float32Array): Float32Array;
  /** Copies `src` into `b` starting at element `offset`. */
  write(b: Buf, src: ArrayLike<number>, offset?: number): void;
  /** Bytes of memory the backend holds (for flat-memory checks). */
  memoryBytes(): number;

  // ---- elementwise (n = element count) ----
  fill(y: Buf, value: number, n: number): void;
  copy(x: Buf, y: Buf, n: number): void;
  /** y = a*x + y (in place on y). */
  axpy(a: number, x: Buf, y: Buf, n: number): void;
  /** y = x * s (y may be x). */
  scale(x: Buf, s: number, y: Buf, n: number): void;
  /** z = x * y elementwise (z may alias x or y). */
  mul(x: Buf, y: Buf, z: Buf, n: number): void;
  /** z = x + y elementwise (z may alias x or y). */
  add(x: Buf, y: Buf, z: Buf, n: number): void;
  /** y = max(x, 0) (y may be x). */
  relu(x: Buf, y: Buf, n: number): void;
  /** dx = dy where y > 0 else 0, accumulated: dx += ... when accumulate. */
  reluBackward(y: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void;
  /** Sum of all elements (float64 accumulation where the backend can). */
  sum(x: Buf, n: number): number;
  /** Sum of squares. */
  sumSquares(x: Buf, n: number): number;

  // ---- matrix ----
  /** C = op(A)·op(B) (+ C when accumulate). */
  gemm(layout: GemmLayout, m: number, n: number, k: number, a: Buf, b: Buf, c: Buf, accumulate: boolean): void;
  /** y[m,n] = x[m,n] + bias[n], then ReLU when relu (y may be x). */
  biasAct(x: Buf, bias: Buf, y: Buf, m: number, n: number, relu: boolean): void;
  /** db[n] (+)= sum over rows of dy[m,n]. */
  colSum(dy: Buf, db: Buf, m: number, n: number, accumulate: boolean): void;

  // ---- loss / metrics ----
  /**
   * Softmax cross-entropy over rows of logits[m,c] with integer class labels (stored as floats).
   * Writes dlogits = (softmax - onehot) / m when dlogits is given; returns the mean loss.
   */
  softmaxXent(logits: Buf, labels: Buf, m: number, c: number, dlogits: Buf | null): number;
  /** Number of rows whose argmax equals the label. */
  countCorrect(logits: Buf, labels: Buf, m: number, c: number): number;

  // ---- optimizers (mask: 1 keeps, 0 prunes; pruned weights stay exactly 0) ----
  adam(w: Buf, g: Buf, m1: Buf, m2: Buf, mask: Buf | null, n: number, args: AdamArgs): void;
  sgd(w: Buf, g: Buf, vel: Buf, mask: Buf | null, n: number, args: SgdArgs): void;
}

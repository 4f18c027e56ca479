/**
 * The primitive-op contract every backend implements (wasm SIMD, js reference, tfjs), as a few
 * op families: each family is an interface here, each backend implements it in one file
 * (wasm-<family>.ts, js-<family>.ts, tfjs-<family>.ts) and is composed from those family
 * objects (compose.ts), so a backend forwards nothing and a new op touches one file per backend.
 *
 * Buffers are flat float32 arrays owned by the backend. All shapes are passed explicitly;
 * matrices are row-major. A kernel never allocates: outputs are caller-provided buffers.
 * Aliasing: unless a method says "in place", inputs and outputs must not overlap.
 */

/** A backend-owned float32 buffer of `length` elements. Opaque outside its backend. */
export interface Buf {
  readonly length: number;
}

/** A backend-owned int32 buffer of `length` elements (sparse indices). Opaque outside its backend. */
export interface IntBuf {
  readonly length: number;
  readonly dtype: 'i32';
}

/**
 * The index arrays of a CSR matrix [rows, cols] with nnz nonzeros: nonzero j of row r, for
 * rowPtr[r] <= j < rowPtr[r + 1], sits in column colIdx[j] (ascending within a row). Its value
 * is vals[j], or vals[perm[j]] when perm is set: the transposed (CSC) index of a weight reads
 * the weight's own value vector that way. prune/csr.ts builds and validates these from masks.
 */
export interface CsrIndex {
  rows: number;
  cols: number;
  nnz: number;
  rowPtr: IntBuf;
  colIdx: IntBuf;
  perm: IntBuf | null;
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

/**
 * A pooling window over NCHW tensors: input [n, c, h, w], output [n, c, outH, outW]. Output
 * pixel (oy, ox) covers input rows oy*strideH - padH + [0, kh) and the matching columns.
 * Pixels outside the input are padding; outH/outW are given, so asymmetric 'same' padding is
 * padH/padW plus an output size (conv-geom.ts builds geometries).
 */
export interface PoolGeom {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  outH: number;
  outW: number;
}

/** A convolution: a window geometry plus `cout` output channels; weight [cout, c, kh, kw]. */
export interface ConvGeom extends PoolGeom {
  cout: number;
}

/** Buffers: persistent and scratch float32 buffers, int32 index buffers, host copies. */
export interface MemoryOps {
  /** Persistent zero-filled buffer; lives until free(). */
  alloc(n: number): Buf;
  free(b: Buf): void;
  /** Temporary buffer from the step arena, zero-filled; valid until resetScratch(). */
  scratch(n: number): Buf;
  /**
   * A scratch buffer (valid until resetScratch()) that is NOT zero-filled: its contents are
   * unspecified (the js reference fills it with NaN). Only for outputs an op overwrites whole.
   */
  scratchUninit(n: number): Buf;
  /** Releases every scratch buffer at once (called once per training step); selects region 0. */
  resetScratch(): void;
  /**
   * Makes scratch() draw from region r (0: the step arena, the default; 1: a second one), first
   * releasing what region r holds when `reset`. Inference alternates the two so that a layer's
   * input is released once the next layer has run (train/inference.ts).
   */
  scratchRegion(r: 0 | 1, reset: boolean): void;
  /** The most scratch bytes held since the last resetScratch() (both regions, kernel workspaces included). */
  scratchPeak(): number;
  /** Copies a buffer out (into `out` when given, which must have b.length elements). */
  read(b: Buf, out?: Float32Array): Float32Array;
  /** Copies `src` into `b` starting at element `offset`. */
  write(b: Buf, src: ArrayLike<number>, offset?: number): void;
  /** Bytes of memory the backend holds (for flat-memory checks). */
  memoryBytes(): number;
  /** Persistent zero-filled int32 buffer; lives until freeInt(). */
  allocInt(n: number): IntBuf;
  freeInt(b: IntBuf): void;
  /** Copies `src` into `b` starting at element `offset`. */
  writeInt(b: IntBuf, src: ArrayLike<number>, offset?: number): void;
  /** Copies an int buffer out. */
  readInt(b: IntBuf): Int32Array;
}

/** Dense math: elementwise ops and reductions (n = element count), GEMM, loss, optimizer steps. */
export interface CoreOps {
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

  /** C = op(A)·op(B) (+ C when accumulate). */
  gemm(layout: GemmLayout, m: number, n: number, k: number, a: Buf, b: Buf, c: Buf, accumulate: boolean): void;
  /**
   * The small-batch path (one row, weights packed once): packs row-major w [rows, cols] into
   * `packed` (gemvPackedSize(rows, cols) floats; the layout of gemv-layout.ts).
   */
  gemvPack(w: Buf, rows: number, cols: number, packed: Buf): void;
  /** y[rows] = W·x[cols] + bias, then ReLU when relu, with W as gemvPack packed it (y must not alias x). */
  gemv(packed: Buf, rows: number, cols: number, x: Buf, bias: Buf, relu: boolean, y: Buf): void;
  /** y[m,n] = x[m,n] + bias[n], then ReLU when relu (y may be x). */
  biasAct(x: Buf, bias: Buf, y: Buf, m: number, n: number, relu: boolean): void;
  /** db[n] (+)= sum over rows of dy[m,n]. */
  colSum(dy: Buf, db: Buf, m: number, n: number, accumulate: boolean): void;

  /**
   * Softmax cross-entropy over rows of logits[m,c] with integer class labels (stored as floats).
   * A row whose label is negative (-1: an unmasked MLM position) is ignored: with `counted` the
   * rows whose label is >= 0, returns the mean loss over those (0 when none) and, when dlogits is
   * given, writes dlogits = (softmax - onehot) / counted on them and 0 on ignored rows. With every
   * label >= 0 that is the plain mean over m rows. A label >= c or not an integer makes the loss NaN.
   */
  softmaxXent(logits: Buf, labels: Buf, m: number, c: number, dlogits: Buf | null): number;
  /** Number of rows whose argmax equals the label (rows with a negative label never count). */
  countCorrect(logits: Buf, labels: Buf, m: number, c: number): number;

  // optimizers (mask: 1 keeps, 0 prunes; pruned weights stay exactly 0)
  adam(w: Buf, g: Buf, m1: Buf, m2: Buf, mask: Buf | null, n: number, args: AdamArgs): void;
  sgd(w: Buf, g: Buf, vel: Buf, mask: Buf | null, n: number, args: SgdArgs): void;
}

/** Convolution, per-channel bias and sums, batch norm (NCHW; `plane` = height * width). */
export interface ConvOps {
  /** y[n, cout, outH, outW] = x ⋆ w (cross-correlation, zero padding, no bias). */
  conv2d(x: Buf, w: Buf, y: Buf, g: ConvGeom): void;
  /** dx[n, c, h, w] (+)= the gradient of conv2d with respect to x, for output gradient dy. */
  conv2dBackwardData(dy: Buf, w: Buf, dx: Buf, g: ConvGeom, accumulate: boolean): void;
  /** dw[cout, c, kh, kw] (+)= the gradient of conv2d with respect to w. */
  conv2dBackwardWeights(x: Buf, dy: Buf, dw: Buf, g: ConvGeom, accumulate: boolean): void;
  /** y[i, ch, :] = x[i, ch, :] + bias[ch], then ReLU when relu (y may be x). */
  channelBiasAct(x: Buf, bias: Buf, y: Buf, n: number, c: number, plane: number, relu: boolean): void;
  /** db[ch] (+)= sum over images and pixels of dy[i, ch, :]. */
  channelSum(dy: Buf, db: Buf, n: number, c: number, plane: number, accumulate: boolean): void;
  /** Per-channel batch mean and biased variance of x[n, c, plane] (0 for an empty batch). */
  batchNormStats(x: Buf, mean: Buf, variance: Buf, n: number, c: number, plane: number): void;
  /** y = gamma * (x - mean) / sqrt(variance + eps) + beta per channel (y may be x). */
  batchNormForward(x: Buf, mean: Buf, variance: Buf, gamma: Buf, beta: Buf, y: Buf, n: number, c: number, plane: number, eps: number): void;
  /**
   * Gradients of batchNormForward: dgamma = sum(dy * xhat) and dbeta = sum(dy) per channel are
   * overwritten; dx (+)= the input gradient, through the batch statistics when batchStats
   * (training: mean/variance were computed from this x), else with them held fixed.
   */
  batchNormBackward(x: Buf, dy: Buf, mean: Buf, variance: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf,
    n: number, c: number, plane: number, eps: number, batchStats: boolean, accumulate: boolean): void;
}

/** Pooling over NCHW tensors (`plane` = height * width). */
export interface PoolOps {
  /**
   * Max pooling; padding is skipped (every window must hold a pixel: see checkPoolGeom). A scan
   * in window row-major order keeping `v > best` decides ties (the first wins) and NaNs.
   */
  maxPool2d(x: Buf, y: Buf, g: PoolGeom): void;
  /** dx (+)= each dy routed to its window's maximum in x (recomputed; overlapping windows add). */
  maxPool2dBackward(x: Buf, dy: Buf, dx: Buf, g: PoolGeom, accumulate: boolean): void;
  /** y[i] = mean of plane i of x[nc, plane] (global average pooling, nc = images * channels). */
  globalAvgPool(x: Buf, y: Buf, nc: number, plane: number): void;
  /** dx[i, :] (+)= dy[i] / plane. */
  globalAvgPoolBackward(dy: Buf, dx: Buf, nc: number, plane: number, accumulate: boolean): void;
}

/** CSR weights; activations feature-major: xT[k, m] holds feature c of all m rows. */
export interface SparseOps {
  /** y[cols, rows] = x[rows, cols]ᵀ (between batch-major and feature-major activations). */
  transpose(x: Buf, y: Buf, rows: number, cols: number): void;
  /**
   * yT[a.rows, m] (+)= A · xT[a.cols, m], A sparse with values `vals` (m = 1 is a mat-vec); then,
   * when given, + bias[r] on each row r and ReLU (a whole Linear layer, feature-major).
   */
  spmm(a: CsrIndex, vals: Buf, m: number, xT: Buf, yT: Buf, accumulate: boolean, bias?: Buf | null, relu?: boolean): void;
  /** dv[j] (+)= dyT[r, :] · xT[c, :] for each nonzero j = (r, c) of A (a.perm must be null). */
  sddmm(a: CsrIndex, m: number, dyT: Buf, xT: Buf, dv: Buf, accumulate: boolean): void;
  /** y[r, i] = x[r, i] + bias[r] over rows of m, then ReLU when relu (y may be x). */
  biasRowsAct(x: Buf, bias: Buf, y: Buf, rows: number, m: number, relu: boolean): void;
  /** db[r] (+)= sum over i of x[r, i] for x [rows, m]. */
  rowSum(x: Buf, db: Buf, rows: number, m: number, accumulate: boolean): void;
  /** y[j] = x[idx[j]] for j < n: a weight's nonzero values out of its dense form. */
  gather(x: Buf, idx: IntBuf, y: Buf, n: number): void;
  /** x[idx[j]] = y[j] for j < n (other elements of x untouched). */
  scatter(y: Buf, idx: IntBuf, x: Buf, n: number): void;
}

/** Sparse convolution (NCHW; W a CSR over [cout, c·kh·kw], column (ci·kh + ki)·kw + kj, a.perm null). */
export interface SparseConvOps {
  /**
   * y[n, cout, outH, outW] (+)= x ⋆ W, conv2d with a sparse weight whose nonzero values are
   * `vals` (in CSR order); then, when given, + bias[co] per channel and ReLU (a Conv2d layer).
   */
  sparseConv2d(a: CsrIndex, vals: Buf, x: Buf, y: Buf, g: ConvGeom, accumulate: boolean, bias?: Buf | null, relu?: boolean): void;
  /** dx[n, c, h, w] (+)= the gradient of sparseConv2d with respect to x, for output gradient dy. */
  sparseConv2dBackwardData(a: CsrIndex, vals: Buf, dy: Buf, dx: Buf, g: ConvGeom, accumulate: boolean): void;
  /** dv[j] (+)= the gradient of sparseConv2d with respect to nonzero j of W (dW only at the nonzeros). */
  sparseConv2dBackwardWeights(a: CsrIndex, x: Buf, dy: Buf, dv: Buf, g: ConvGeom, accumulate: boolean): void;
}

/**
 * Sequence (transformer) ops. All rows are row-major; ids are token indices stored as floats
 * (exact below 2^24). Outputs are caller buffers; no allocation.
 */
export interface SeqOps {
  /** out[i, :] = table[ids[i], :] for i < n, rows of `dim` (ids integral in [0, table rows)). */
  embedGather(table: Buf, ids: Buf, out: Buf, n: number, dim: number): void;
  /** dTable[ids[i], :] += dOut[i, :] for i < n (always accumulates; repeated ids add up in index order i = 0..n-1). */
  embedScatterAdd(dOut: Buf, ids: Buf, dTable: Buf, n: number, dim: number): void;
  /** For each b < batch: C_b = op(A_b)·op(B_b) (+ C_b when accumulate); A_b, B_b, C_b contiguous, consecutive (strides m*k, k*n, m*n); layouts as gemm. */
  bmm(layout: GemmLayout, batch: number, m: number, n: number, k: number, a: Buf, b: Buf, c: Buf, accumulate: boolean): void;
  /** y[i, k, j, l] = x[i, j, k, l] for x [d0, d1, d2, d3] (y is [d0, d2, d1, d3]): splits/merges attention heads, patches. */
  swapAxes12(x: Buf, y: Buf, d0: number, d1: number, d2: number, d3: number): void;
  /** mask[i] = ids[i] !== 0 ? 1 : 0 (token id 0 is [PAD]). */
  padMask(ids: Buf, mask: Buf, n: number): void;
  /**
   * Attention softmax over x [batch, heads, sq, sk]: y = softmax over the last axis of scale * x, where key
   * j of sequence b is excluded (probability exactly 0) when keyMask[b * sk + j] === 0. A row whose keys are
   * all excluded is all zeros. keyMask null: no key is excluded. Numerically stable (max subtracted).
   */
  attnSoftmax(x: Buf, keyMask: Buf | null, y: Buf, batch: number, heads: number, sq: number, sk: number, scale: number): void;
  /** dx (+)= scale * y * (dy - sum_j(dy * y)) per row of `cols` (the softmax gradient; masked entries have y = 0 so get 0). */
  softmaxBackward(y: Buf, dy: Buf, dx: Buf, rows: number, cols: number, scale: number, accumulate: boolean): void;
  /** LayerNorm over the last axis: y = gamma * (x - mean) * rstd + beta, rstd = 1/sqrt(var + eps) (biased var); writes mean[rows], rstd[rows]. y may be x. */
  layerNorm(x: Buf, gamma: Buf, beta: Buf, y: Buf, mean: Buf, rstd: Buf, rows: number, cols: number, eps: number): void;
  /** Gradients of layerNorm: dx (+)= ..., dgamma (+)= sum_rows dy * xhat, dbeta (+)= sum_rows dy (all three accumulate when accumulate). */
  layerNormBackward(x: Buf, dy: Buf, mean: Buf, rstd: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf, rows: number, cols: number, accumulate: boolean): void;
  /** y = GELU(x), the tanh approximation 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))) (y may be x). */
  gelu(x: Buf, y: Buf, n: number): void;
  /** dx (+)= dy * GELU'(x). */
  geluBackward(x: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void;
  /** y = tanh(x) (y may be x). */
  tanh(x: Buf, y: Buf, n: number): void;
  /** dx (+)= dy * (1 - y^2) for y = tanh(x). */
  tanhBackward(y: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void;
}

/** The family objects a backend is composed of (one object may serve several families). */
export interface Families {
  memory: MemoryOps;
  core: CoreOps;
  conv: ConvOps;
  pool: PoolOps;
  sparse: SparseOps;
  sparseConv: SparseConvOps;
  seq: SeqOps;
}

/** A backend: its name and every family's ops, composed from family objects (compose.ts). */
export interface Backend extends MemoryOps, CoreOps, ConvOps, PoolOps, SparseOps, SparseConvOps, SeqOps {
  readonly name: string;
}

/**
 * The method names of each family, for composing at run time. Typed as a record over the
 * family's interface, so a name missing here or not in the interface does not compile.
 */
export const familyMethods: { readonly [F in keyof Families]: Readonly<Record<keyof Families[F], true>> } = {
  memory: {
    alloc: true, free: true, scratch: true, scratchUninit: true, resetScratch: true, scratchRegion: true, scratchPeak: true,
    read: true, write: true, memoryBytes: true, allocInt: true, freeInt: true, writeInt: true, readInt: true,
  },
  core: {
    fill: true, copy: true, axpy: true, scale: true, mul: true, add: true, relu: true, reluBackward: true, sum: true,
    sumSquares: true, gemm: true, gemvPack: true, gemv: true, biasAct: true, colSum: true, softmaxXent: true, countCorrect: true, adam: true, sgd: true,
  },
  conv: {
    conv2d: true, conv2dBackwardData: true, conv2dBackwardWeights: true, channelBiasAct: true, channelSum: true,
    batchNormStats: true, batchNormForward: true, batchNormBackward: true,
  },
  pool: { maxPool2d: true, maxPool2dBackward: true, globalAvgPool: true, globalAvgPoolBackward: true },
  sparse: { transpose: true, spmm: true, sddmm: true, biasRowsAct: true, rowSum: true, gather: true, scatter: true },
  sparseConv: { sparseConv2d: true, sparseConv2dBackwardData: true, sparseConv2dBackwardWeights: true },
  seq: {
    embedGather: true, embedScatterAdd: true, bmm: true, swapAxes12: true, padMask: true, attnSoftmax: true, softmaxBackward: true,
    layerNorm: true, layerNormBackward: true, gelu: true, geluBackward: true, tanh: true, tanhBackward: true,
  },
};

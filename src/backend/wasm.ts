/**
 * The default backend: the AssemblyScript SIMD kernels of assembly/ (build/lth.wasm). Buffers
 * live in the module's linear memory, so a kernel call passes pointers and copies nothing.
 */
import type { AdamArgs, Backend, Buf, ConvGeom, GemmLayout, PoolGeom, SgdArgs } from './backend.ts';
import { need } from './check.ts';
import { type ConvKernels, WasmConvOps } from './wasm-conv.ts';
import { Arena, Heap, MAX_WASM_BYTES } from './wasm-heap.ts';
import type { CsrIndex, IntBuf } from './backend.ts';
import { type SparseKernels, WasmSparse } from './wasm-sparse.ts';
import { type SparseConvKernels, WasmSparseConv } from './wasm-sparse-conv.ts';
import { type WasmModuleInput, readWasmFile } from './wasm-source.ts';

/** The exports of build/lth.wasm (pointers are byte offsets; bools are 0/1). */
interface Kernels extends SparseKernels, ConvKernels, SparseConvKernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemm_f32_nn(m: number, n: number, k: number, a: number, b: number, c: number, acc: number): void;
  gemm_f32_nt(m: number, n: number, k: number, a: number, b: number, c: number, acc: number): void;
  gemm_f32_tn(m: number, n: number, k: number, a: number, b: number, c: number, acc: number): void;
  fill_f32(y: number, value: number, n: number): void;
  copy_f32(x: number, y: number, n: number): void;
  axpy_f32(a: number, x: number, y: number, n: number): void;
  scale_f32(x: number, s: number, y: number, n: number): void;
  mul_f32(x: number, y: number, z: number, n: number): void;
  add_f32(x: number, y: number, z: number, n: number): void;
  relu_f32(x: number, y: number, n: number): void;
  relu_backward_f32(y: number, dy: number, dx: number, n: number, acc: number): void;
  sum_f32(x: number, n: number): number;
  sum_squares_f32(x: number, n: number): number;
  bias_act_f32(x: number, bias: number, y: number, m: number, n: number, relu: number): void;
  col_sum_f32(dy: number, db: number, m: number, n: number, acc: number): void;
  softmax_xent_f32(logits: number, labels: number, m: number, c: number, dlogits: number): number;
  count_correct_f32(logits: number, labels: number, m: number, c: number): number;
  adam_f32(w: number, g: number, m1: number, m2: number, mask: number, n: number,
    lr: number, b1: number, b2: number, eps: number, bc1: number, bc2: number, wd: number): void;
  sgd_f32(w: number, g: number, vel: number, mask: number, n: number,
    lr: number, mu: number, wd: number, nesterov: number): void;
}

/**
 * A wasm-backend buffer: `length` f32 elements at byte offset `ptr` of linear memory. Offsets
 * reach 4 GiB: index a typed array with `ptr >>> 2`, never `ptr >> 2` (negative past 2 GiB).
 */
export class WasmBuf implements Buf {
  /** False once freed. */
  live = true;
  /** Arena epoch for scratch buffers (valid until that arena's next reset); -1 for persistent ones. */
  constructor(readonly ptr: number, readonly length: number, readonly epoch: number) {}
}

/** Options of createWasmBackend. */
export interface WasmBackendOptions {
  /** Most bytes of linear memory the heap may grow to (default and ceiling: wasm32's 4 GiB). */
  maxMemoryBytes?: number;
}

/**
 * Instantiates the kernel module from `source` (its bytes or a compiled module; wasm-source.ts
 * turns a URL or path into bytes), or from the package's build/lth.wasm when omitted.
 */
export async function createWasmBackend(source?: WasmModuleInput, opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const input = source ?? (await readWasmFile());
  const module = input instanceof WebAssembly.Module ? input : await WebAssembly.compile(input);
  const instance = await WebAssembly.instantiate(module, {});
  return new WasmBackend(instance.exports as unknown as Kernels, opts);
}

/** The wasm SIMD backend; construct it with createWasmBackend(). */
export class WasmBackend implements Backend {
  readonly name = 'wasm';
  private readonly heap: Heap;
  // Two scratch regions (scratchRegion()); `region` is the one scratch() draws from.
  private readonly arenas: [Arena, Arena];
  private region: 0 | 1 = 0;
  private epochs = 0;
  private view: Float32Array;
  private readonly sparse: WasmSparse;
  private readonly sparseConv: WasmSparseConv;

  // The NCHW ops (convolution, pooling, batch norm) live in wasm-conv.ts.
  private readonly nchw: WasmConvOps;

  constructor(private readonly k: Kernels, opts: WasmBackendOptions = {}) {
    this.heap = new Heap(k.memory, k.heapBase(), Math.min(opts.maxMemoryBytes ?? MAX_WASM_BYTES, MAX_WASM_BYTES));
    const epoch = (): number => this.epochs++;
    this.arenas = [new Arena(this.heap, epoch), new Arena(this.heap, epoch)];
    this.sparse = new WasmSparse(k, this.heap, (b) => this.p(b));
    // Kernel workspaces are the free space above the current region's last scratch buffer.
    const ws = { at: (bytes: number): number => this.arenas[this.region].top(bytes) };
    this.sparseConv = new WasmSparseConv(k, ws, (b) => this.p(b));
    this.nchw = new WasmConvOps(k, ws, (b) => this.p(b));
    this.view = new Float32Array(k.memory.buffer);
  }

  // The Float32Array view over memory, re-made when memory.grow has replaced the buffer.
  private f32(): Float32Array {
    if (this.view.buffer !== this.k.memory.buffer) this.view = new Float32Array(this.k.memory.buffer);
    return this.view;
  }

  // Pointer of a buffer this backend owns and that is still valid.
  private p(b: Buf): number {
    if (!(b instanceof WasmBuf)) throw new Error('wasm backend: buffer belongs to another backend');
    if (!b.live) throw new Error('wasm backend: buffer used after free()');
    if (b.epoch >= 0 && b.epoch !== this.arenas[0].epoch && b.epoch !== this.arenas[1].epoch) {
      throw new Error('wasm backend: scratch buffer used after resetScratch()');
    }
    return b.ptr;
  }

  alloc(n: number): Buf {
    const [ptr, dirtyEnd] = this.heap.allocDirty(n * 4);
    this.f32().fill(0, ptr >>> 2, dirtyEnd >>> 2); // beyond dirtyEnd memory is still zero
    return new WasmBuf(ptr, n, -1);
  }
  free(b: Buf): void {
    const ptr = this.p(b);
    if ((b as WasmBuf).epoch >= 0) throw new Error('wasm backend: free() of a scratch buffer');
    this.heap.release(ptr);
    (b as WasmBuf).live = false;
  }
  scratch(n: number): Buf {
    const a = this.arenas[this.region];
    const ptr = a.take(n * 4);
    this.f32().fill(0, ptr >>> 2, (ptr >>> 2) + n);
    return new WasmBuf(ptr, n, a.epoch);
  }
  resetScratch(): void {
    for (const a of this.arenas) {
      a.reset();
      a.restartPeak();
    }
    this.region = 0;
  }
  scratchRegion(r: 0 | 1, reset: boolean): void {
    if (reset) this.arenas[r].reset();
    this.region = r;
  }
  scratchPeak(): number {
    return this.arenas[0].highWater() + this.arenas[1].highWater();
  }
  read(b: Buf, out?: Float32Array): Float32Array {
    const start = this.p(b) >>> 2;
    const dst = out ?? new Float32Array(b.length);
    if (dst.length !== b.length) throw new RangeError(`read: out has ${dst.length} elements, buffer ${b.length}`);
    dst.set(this.f32().subarray(start, start + b.length));
    return dst;
  }
  write(b: Buf, src: ArrayLike<number>, offset = 0): void {
    const start = this.p(b) >>> 2;
    if (offset < 0 || offset + src.length > b.length) {
      throw new RangeError(`write: ${src.length} elements at offset ${offset} overflow a buffer of ${b.length}`);
    }
    this.f32().set(src, start + offset);
  }
  memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  fill(y: Buf, value: number, n: number): void {
    need(y, n, 'fill y');
    this.k.fill_f32(this.p(y), value, n);
  }
  copy(x: Buf, y: Buf, n: number): void {
    need(x, n, 'copy x');
    need(y, n, 'copy y');
    this.k.copy_f32(this.p(x), this.p(y), n);
  }
  axpy(a: number, x: Buf, y: Buf, n: number): void {
    need(x, n, 'axpy x');
    need(y, n, 'axpy y');
    this.k.axpy_f32(a, this.p(x), this.p(y), n);
  }
  scale(x: Buf, s: number, y: Buf, n: number): void {
    need(x, n, 'scale x');
    need(y, n, 'scale y');
    this.k.scale_f32(this.p(x), s, this.p(y), n);
  }
  mul(x: Buf, y: Buf, z: Buf, n: number): void {
    need(x, n, 'mul x');
    need(y, n, 'mul y');
    need(z, n, 'mul z');
    this.k.mul_f32(this.p(x), this.p(y), this.p(z), n);
  }
  add(x: Buf, y: Buf, z: Buf, n: number): void {
    need(x, n, 'add x');
    need(y, n, 'add y');
    need(z, n, 'add z');
    this.k.add_f32(this.p(x), this.p(y), this.p(z), n);
  }
  relu(x: Buf, y: Buf, n: number): void {
    need(x, n, 'relu x');
    need(y, n, 'relu y');
    this.k.relu_f32(this.p(x), this.p(y), n);
  }
  reluBackward(y: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void {
    need(y, n, 'reluBackward y');
    need(dy, n, 'reluBackward dy');
    need(dx, n, 'reluBackward dx');
    this.k.relu_backward_f32(this.p(y), this.p(dy), this.p(dx), n, accumulate ? 1 : 0);
  }
  sum(x: Buf, n: number): number {
    need(x, n, 'sum x');
    return this.k.sum_f32(this.p(x), n);
  }
  sumSquares(x: Buf, n: number): number {
    need(x, n, 'sumSquares x');
    return this.k.sum_squares_f32(this.p(x), n);
  }

  gemm(layout: GemmLayout, m: number, n: number, k: number, a: Buf, b: Buf, c: Buf, accumulate: boolean): void {
    need(a, m * k, `gemm ${layout} a`);
    need(b, k * n, `gemm ${layout} b`);
    need(c, m * n, `gemm ${layout} c`);
    const f = layout === 'nn' ? this.k.gemm_f32_nn : layout === 'nt' ? this.k.gemm_f32_nt : this.k.gemm_f32_tn;
    f(m, n, k, this.p(a), this.p(b), this.p(c), accumulate ? 1 : 0);
  }
  biasAct(x: Buf, bias: Buf, y: Buf, m: number, n: number, relu: boolean): void {
    need(x, m * n, 'biasAct x');
    need(bias, n, 'biasAct bias');
    need(y, m * n, 'biasAct y');
    this.k.bias_act_f32(this.p(x), this.p(bias), this.p(y), m, n, relu ? 1 : 0);
  }
  colSum(dy: Buf, db: Buf, m: number, n: number, accumulate: boolean): void {
    need(dy, m * n, 'colSum dy');
    need(db, n, 'colSum db');
    this.k.col_sum_f32(this.p(dy), this.p(db), m, n, accumulate ? 1 : 0);
  }

  conv2d(x: Buf, w: Buf, y: Buf, g: ConvGeom): void {
    this.nchw.conv2d(x, w, y, g);
  }
  conv2dBackwardData(dy: Buf, w: Buf, dx: Buf, g: ConvGeom, accumulate: boolean): void {
    this.nchw.conv2dBackwardData(dy, w, dx, g, accumulate);
  }
  conv2dBackwardWeights(x: Buf, dy: Buf, dw: Buf, g: ConvGeom, accumulate: boolean): void {
    this.nchw.conv2dBackwardWeights(x, dy, dw, g, accumulate);
  }
  channelBiasAct(x: Buf, bias: Buf, y: Buf, n: number, c: number, plane: number, relu: boolean): void {
    this.nchw.channelBiasAct(x, bias, y, n, c, plane, relu);
  }
  channelSum(dy: Buf, db: Buf, n: number, c: number, plane: number, accumulate: boolean): void {
    this.nchw.channelSum(dy, db, n, c, plane, accumulate);
  }
  maxPool2d(x: Buf, y: Buf, g: PoolGeom): void {
    this.nchw.maxPool2d(x, y, g);
  }
  maxPool2dBackward(x: Buf, dy: Buf, dx: Buf, g: PoolGeom, accumulate: boolean): void {
    this.nchw.maxPool2dBackward(x, dy, dx, g, accumulate);
  }
  globalAvgPool(x: Buf, y: Buf, nc: number, plane: number): void {
    this.nchw.globalAvgPool(x, y, nc, plane);
  }
  globalAvgPoolBackward(dy: Buf, dx: Buf, nc: number, plane: number, accumulate: boolean): void {
    this.nchw.globalAvgPoolBackward(dy, dx, nc, plane, accumulate);
  }
  batchNormStats(x: Buf, mean: Buf, variance: Buf, n: number, c: number, plane: number): void {
    this.nchw.batchNormStats(x, mean, variance, n, c, plane);
  }
  batchNormForward(x: Buf, mean: Buf, variance: Buf, gamma: Buf, beta: Buf, y: Buf, n: number, c: number, plane: number, eps: number): void {
    this.nchw.batchNormForward(x, mean, variance, gamma, beta, y, n, c, plane, eps);
  }
  batchNormBackward(x: Buf, dy: Buf, mean: Buf, variance: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf,
    n: number, c: number, plane: number, eps: number, batchStats: boolean, accumulate: boolean): void {
    this.nchw.batchNormBackward(x, dy, mean, variance, gamma, dx, dgamma, dbeta, n, c, plane, eps, batchStats, accumulate);
  }

  softmaxXent(logits: Buf, labels: Buf, m: number, c: number, dlogits: Buf | null): number {
    need(logits, m * c, 'softmaxXent logits');
    need(labels, m, 'softmaxXent labels');
    if (dlogits) need(dlogits, m * c, 'softmaxXent dlogits');
    return this.k.softmax_xent_f32(this.p(logits), this.p(labels), m, c, dlogits ? this.p(dlogits) : 0);
  }
  countCorrect(logits: Buf, labels: Buf, m: number, c: number): number {
    need(logits, m * c, 'countCorrect logits');
    need(labels, m, 'countCorrect labels');
    return this.k.count_correct_f32(this.p(logits), this.p(labels), m, c);
  }

  adam(w: Buf, g: Buf, m1: Buf, m2: Buf, mask: Buf | null, n: number, o: AdamArgs): void {
    for (const [b, s] of [[w, 'w'], [g, 'g'], [m1, 'm1'], [m2, 'm2']] as const) need(b, n, `adam ${s}`);
    if (mask) need(mask, n, 'adam mask');
    this.k.adam_f32(this.p(w), this.p(g), this.p(m1), this.p(m2), mask ? this.p(mask) : 0, n,
      o.lr, o.beta1, o.beta2, o.eps, o.bc1, o.bc2, o.weightDecay);
  }
  sgd(w: Buf, g: Buf, vel: Buf, mask: Buf | null, n: number, o: SgdArgs): void {
    for (const [b, s] of [[w, 'w'], [g, 'g'], [vel, 'vel']] as const) need(b, n, `sgd ${s}`);
    if (mask) need(mask, n, 'sgd mask');
    this.k.sgd_f32(this.p(w), this.p(g), this.p(vel), mask ? this.p(mask) : 0, n,
      o.lr, o.momentum, o.weightDecay, o.nesterov ? 1 : 0);
  }

  scratchUninit(n: number): Buf {
    const a = this.arenas[this.region];
    return new WasmBuf(a.take(n * 4), n, a.epoch); // no fill: the caller overwrites it
  }
  // Sparse ops live in wasm-sparse.ts; these only forward.
  allocInt(n: number): IntBuf {
    return this.sparse.allocInt(n);
  }
  freeInt(b: IntBuf): void {
    this.sparse.freeInt(b);
  }
  writeInt(b: IntBuf, src: ArrayLike<number>, offset = 0): void {
    this.sparse.writeInt(b, src, offset);
  }
  readInt(b: IntBuf): Int32Array {
    return this.sparse.readInt(b);
  }
  transpose(x: Buf, y: Buf, rows: number, cols: number): void {
    this.sparse.transpose(x, y, rows, cols);
  }
  spmm(a: CsrIndex, vals: Buf, m: number, xT: Buf, yT: Buf, accumulate: boolean, bias: Buf | null = null, relu = false): void {
    this.sparse.spmm(a, vals, m, xT, yT, accumulate, bias, relu);
  }
  sddmm(a: CsrIndex, m: number, dyT: Buf, xT: Buf, dv: Buf, accumulate: boolean): void {
    this.sparse.sddmm(a, m, dyT, xT, dv, accumulate);
  }
  biasRowsAct(x: Buf, bias: Buf, y: Buf, rows: number, m: number, relu: boolean): void {
    this.sparse.biasRowsAct(x, bias, y, rows, m, relu);
  }
  rowSum(x: Buf, db: Buf, rows: number, m: number, accumulate: boolean): void {
    this.sparse.rowSum(x, db, rows, m, accumulate);
  }
  gather(x: Buf, idx: IntBuf, y: Buf, n: number): void {
    this.sparse.gather(x, idx, y, n);
  }
  scatter(y: Buf, idx: IntBuf, x: Buf, n: number): void {
    this.sparse.scatter(y, idx, x, n);
  }
  // Sparse convolution lives in wasm-sparse-conv.ts.
  sparseConv2d(a: CsrIndex, vals: Buf, x: Buf, y: Buf, g: ConvGeom, accumulate: boolean, bias: Buf | null = null, relu = false): void {
    this.sparseConv.sparseConv2d(a, vals, x, y, g, accumulate, bias, relu);
  }
  sparseConv2dBackwardData(a: CsrIndex, vals: Buf, dy: Buf, dx: Buf, g: ConvGeom, accumulate: boolean): void {
    this.sparseConv.sparseConv2dBackwardData(a, vals, dy, dx, g, accumulate);
  }
  sparseConv2dBackwardWeights(a: CsrIndex, x: Buf, dy: Buf, dv: Buf, g: ConvGeom, accumulate: boolean): void {
    this.sparseConv.sparseConv2dBackwardWeights(a, x, dy, dv, g, accumulate);
  }
}

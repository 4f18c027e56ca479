/**
 * Inference on a compact sparse network (model.lth, see format.ts). Convolutions and pools run
 * on NCHW batches (a conv is the backend's direct sparse convolution); from the first linear
 * layer on, activations are feature-major (one transpose in, one out), so every linear layer
 * is one SpMM vectorised over the batch, or for a single row a CSR mat-vec. A layer denser than
 * DENSE_ABOVE (CONV_DENSE_ABOVE for convs) runs the dense kernels instead: there sparse
 * indexing costs more than the zeros it skips (measured crossovers of the kernels on the
 * LeNet and Conv-2 shapes). A dense linear layer keeps its weight packed once for the
 * small-batch path (Backend.gemv), which runs a single row; larger batches run GEMM.
 * `kernels: 'dense'` / `'sparse'` force one path for every weight layer (benchmarks).
 */
import type { Backend, Buf, CsrIndex } from '../backend/backend.ts';
import { convGeom, poolGeom } from '../backend/conv-geom.ts';
import { gemvPackedSize } from '../backend/gemv-layout.ts';
import { createBackend } from '../backend/index.ts';
import { featureCount } from '../data/dataset.ts';
import { type DeviceCsr, csrPattern, freeCsr, uploadCsr } from '../prune/csr.ts';
import { UserError } from '../util/errors.ts';
import { type SparseLayerSpec, type SparseModelSpec, type WeightLayerSpec, csrShape, decodeSparseModel, layerShapes } from './format.ts';

/** Linear layers at least this dense run GEMM for batches of more than one row. */
export const DENSE_ABOVE = 0.4;
/** Conv layers at least this dense run the dense convolution (Conv-2 64 -> 64: sparse forward 1.09x at 50%, 0.54x at 100%). */
export const CONV_DENSE_ABOVE = 0.5;
// Rows per forward pass in predict(): bounds the memory of large inputs.
const CHUNK_ROWS = 1000;

/** Which kernels a model's weight layers run: by density ('auto'), or all dense / all sparse. */
export type ModelKernels = 'auto' | 'dense' | 'sparse';

/** Options of a SparseModel. */
export interface SparseModelOptions {
  /** Default 'auto': dense kernels for layers at least DENSE_ABOVE (CONV_DENSE_ABOVE) dense. */
  kernels?: ModelKernels;
}

// A weight on the backend: CSR always; the dense weight too when it is dense enough, and for a
// linear layer its gemv packing (the small-batch path).
interface DeviceWeight {
  csr: DeviceCsr;
  values: Buf;
  bias: Buf;
  dense: Buf | null;
  packed: Buf | null;
  rows: number;
  cols: number;
  relu: boolean;
}

// One layer: its spec, the per-example shape it reads, and its weight when it has one.
interface Step {
  spec: SparseLayerSpec;
  input: number[];
  output: number[];
  weight: DeviceWeight | null;
}

// Persistent activation buffers for batches of up to `rows` rows: predict() then allocates and
// zero-fills nothing per call (at 2% density that was a tenth of the time).
interface Workspace {
  rows: number;
  x: Buf;
  /** The input of the first linear layer, feature-major (null without linear layers). */
  xT: Buf | null;
  acts: Buf[];
  logits: Buf;
}

/** A loaded sparse model on a backend (it uses no scratch memory: the caller's arena is safe). */
export class SparseModel {
  private readonly steps: Step[];
  private work: Workspace | null = null;

  readonly kernels: ModelKernels;

  constructor(readonly backend: Backend, readonly spec: SparseModelSpec, opts: SparseModelOptions = {}) {
    this.kernels = opts.kernels ?? 'auto';
    if (spec.layers.length === 0) throw new UserError('model.lth: no layers');
    const shapes = layerShapes(spec.inputShape, spec.layers);
    this.steps = spec.layers.map((l, i) => ({
      spec: l,
      input: i === 0 ? [...spec.inputShape] : shapes[i - 1],
      output: shapes[i],
      weight: l.kind === 'linear' || l.kind === 'conv' ? this.upload(l) : null,
    }));
  }

  private upload(l: WeightLayerSpec): DeviceWeight {
    const b = this.backend;
    const [rows, cols] = csrShape(l);
    const csr = uploadCsr(b, csrPattern(l.rowPtr, l.colIdx, rows, cols));
    const values = b.alloc(l.values.length);
    b.write(values, l.values);
    const bias = b.alloc(rows);
    b.write(bias, l.bias);
    let dense: Buf | null = null;
    let packed: Buf | null = null;
    const denseEnough = l.values.length >= (l.kind === 'conv' ? CONV_DENSE_ABOVE : DENSE_ABOVE) * rows * cols;
    if (this.kernels === 'dense' || (this.kernels === 'auto' && denseEnough)) {
      dense = b.alloc(rows * cols);
      b.scatter(values, csr.index, dense, l.values.length);
      if (l.kind === 'linear') {
        packed = b.alloc(gemvPackedSize(rows, cols));
        b.gemvPack(dense, rows, cols, packed);
      }
    }
    return { csr, values, bias, dense, packed, rows, cols, relu: l.relu };
  }

  /** Features per input row (the product of the input shape). */
  get inputSize(): number {
    return featureCount(this.spec.inputShape);
  }

  /** Classes (logits) per output row. */
  get numClasses(): number {
    return this.spec.numClasses;
  }

  /** Logits [n, classes] (row-major) for n rows of x [n, inputSize] (row-major). */
  predict(x: Float32Array, n: number): Float32Array {
    const k = this.inputSize;
    const c = this.numClasses;
    if (!Number.isInteger(n) || n < 0 || x.length < n * k) throw new RangeError(`predict: x holds ${x.length} floats, ${n} rows of ${k} need ${n * k}`);
    const out = new Float32Array(n * c);
    for (let i = 0; i < n; i += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, n - i);
      const w = this.workspace(rows);
      this.backend.write(w.x, x.subarray(i * k, (i + rows) * k));
      const logits = this.forward(w.x, rows);
      out.set(this.backend.read(logits).subarray(0, rows * c), i * c);
    }
    return out;
  }

  /**
   * The forward pass on n rows already on the backend (x [n, inputSize], row-major); returns
   * the logits [n, classes] in the model's workspace (valid until the next call).
   */
  forward(x: Buf, n: number): Buf {
    const b = this.backend;
    const w = this.workspace(n);
    let h = x;
    // From the first linear layer on (batches of more than one row), h is feature-major.
    let featureMajor = false;
    this.steps.forEach((s, i) => {
      const out = w.acts[i];
      const l = s.spec;
      const wt = s.weight;
      if (l.kind === 'linear') {
        if (n > 1 && !featureMajor) {
          b.transpose(h, w.xT!, n, l.inFeatures);
          h = w.xT!;
          featureMajor = true;
        }
        if (n === 1 && wt!.packed !== null) {
          b.gemv(wt!.packed, wt!.rows, wt!.cols, h, wt!.bias, wt!.relu, out);
        } else if (wt!.dense === null || n === 1) {
          b.spmm(wt!.csr.csr, wt!.values, n, h, out, false, wt!.bias, wt!.relu);
        } else {
          b.gemm('nn', wt!.rows, n, wt!.cols, wt!.dense, h, out, false);
          b.biasRowsAct(out, wt!.bias, out, wt!.rows, n, wt!.relu);
        }
      } else {
        const [c, ih, iw] = s.input;
        if (l.kind === 'conv') {
          const g = convGeom(n, c, ih, iw, l.outChannels, l.kernel, l.stride, l.padding);
          if (wt!.dense === null) {
            b.sparseConv2d(wt!.csr.csr, wt!.values, h, out, g, false, wt!.bias, wt!.relu);
          } else {
            b.conv2d(h, wt!.dense, out, g);
            b.channelBiasAct(out, wt!.bias, out, n, l.outChannels, g.outH * g.outW, wt!.relu);
          }
        } else if (l.kind === 'maxpool') {
          b.maxPool2d(h, out, poolGeom(n, c, ih, iw, l.kernel, l.stride, l.padding));
        } else {
          b.globalAvgPool(h, out, n * c, ih * iw);
        }
      }
      h = out;
    });
    if (!featureMajor) return h;
    b.transpose(h, w.logits, this.numClasses, n);
    return w.logits;
  }

  // Buffers for n rows, grown (never shrunk) on demand; ops read only the first n rows.
  private workspace(n: number): Workspace {
    if (this.work !== null && this.work.rows >= n) return this.work;
    this.freeWorkspace();
    const b = this.backend;
    const rows = Math.max(n, 1);
    const firstLinear = this.steps.find((s) => s.spec.kind === 'linear');
    this.work = {
      rows,
      x: b.alloc(rows * this.inputSize),
      xT: firstLinear === undefined ? null : b.alloc(rows * featureCount(firstLinear.input)),
      acts: this.steps.map((s) => b.alloc(rows * featureCount(s.output))),
      logits: b.alloc(rows * this.numClasses),
    };
    return this.work;
  }

  private freeWorkspace(): void {
    if (this.work === null) return;
    for (const buf of [this.work.x, this.work.xT, ...this.work.acts, this.work.logits]) if (buf !== null) this.backend.free(buf);
    this.work = null;
  }

  /** The CSR index of layer i, which must have a weight (tests, benchmarks). */
  layerIndex(i: number): CsrIndex {
    const wt = this.steps[i].weight;
    if (wt === null) throw new RangeError(`layer ${i} (${this.steps[i].spec.kind}) has no weight`);
    return wt.csr.csr;
  }

  /** Frees every backend buffer of the model. */
  dispose(): void {
    this.freeWorkspace();
    for (const s of this.steps) {
      if (s.weight === null) continue;
      freeCsr(this.backend, s.weight.csr);
      for (const buf of [s.weight.values, s.weight.bias, s.weight.dense, s.weight.packed]) if (buf !== null) this.backend.free(buf);
    }
    this.steps.length = 0;
  }
}

/** Decodes model.lth bytes onto `backend` (a fresh wasm backend when omitted); errors start with `source`, the file's path. */
export async function loadSparseModel(bytes: Uint8Array, backend?: Backend, source?: string, opts?: SparseModelOptions): Promise<SparseModel> {
  const spec = decodeSparseModel(bytes, source);
  return new SparseModel(backend ?? (await createBackend('wasm')), spec, opts);
}

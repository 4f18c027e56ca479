/**
 * Inference on a compact sparse MLP (model.lth, see format.ts). Activations stay feature-major
 * from the first layer to the last (one transpose in, one out), so every layer is one SpMM
 * vectorised over the batch, or for a single row a CSR mat-vec. A layer denser than
 * DENSE_ABOVE runs a dense GEMM on batches instead: there sparse indexing costs more than the
 * zeros it skips (measured crossover of the SpMM and GEMM kernels at the LeNet shapes).
 */
import type { Backend, Buf, CsrIndex } from '../backend/backend.ts';
import { createBackend } from '../backend/index.ts';
import { type DeviceCsr, csrPattern, freeCsr, uploadCsr } from '../prune/csr.ts';
import { UserError } from '../util/errors.ts';
import { type SparseModelSpec, decodeSparseModel } from './format.ts';

/** Layers at least this dense run GEMM for batches of more than one row. */
export const DENSE_ABOVE = 0.4;
// Rows per forward pass in predict(): bounds the scratch memory of large inputs.
const CHUNK_ROWS = 1000;

// A layer on the backend: CSR always; the dense weight too when it is dense enough for GEMM.
interface DeviceLayer {
  csr: DeviceCsr;
  values: Buf;
  bias: Buf;
  dense: Buf | null;
  rows: number;
  cols: number;
  relu: boolean;
}

// Persistent activation buffers for batches of up to `rows` rows: predict() then allocates and
// zero-fills nothing per call (at 2% density that was a tenth of the time).
interface Workspace {
  rows: number;
  x: Buf;
  xT: Buf;
  acts: Buf[];
  logits: Buf;
}

/** A loaded sparse model on a backend (it uses no scratch memory: the caller's arena is safe). */
export class SparseModel {
  private readonly layers: DeviceLayer[];
  private work: Workspace | null = null;

  constructor(readonly backend: Backend, readonly spec: SparseModelSpec) {
    this.layers = spec.layers.map((l) => {
      const csr = uploadCsr(backend, csrPattern(l.rowPtr, l.colIdx, l.outFeatures, l.inFeatures));
      const values = backend.alloc(l.values.length);
      backend.write(values, l.values);
      const bias = backend.alloc(l.outFeatures);
      backend.write(bias, l.bias);
      let dense: Buf | null = null;
      if (l.values.length >= DENSE_ABOVE * l.inFeatures * l.outFeatures) {
        dense = backend.alloc(l.inFeatures * l.outFeatures);
        backend.scatter(values, csr.index, dense, l.values.length);
      }
      return { csr, values, bias, dense, rows: l.outFeatures, cols: l.inFeatures, relu: l.relu };
    });
  }

  /** Features per input row. */
  get inputSize(): number {
    return this.layers[0].cols;
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
    if (n === 1) {
      let h = x; // one row is its own transpose
      this.layers.forEach((l, i) => {
        b.spmm(l.csr.csr, l.values, 1, h, w.acts[i], false, l.bias, l.relu);
        h = w.acts[i];
      });
      return h;
    }
    let hT = w.xT;
    b.transpose(x, hT, n, this.inputSize);
    this.layers.forEach((l, i) => {
      const yT = w.acts[i];
      if (l.dense === null) {
        b.spmm(l.csr.csr, l.values, n, hT, yT, false, l.bias, l.relu);
      } else {
        b.gemm('nn', l.rows, n, l.cols, l.dense, hT, yT, false);
        b.biasRowsAct(yT, l.bias, yT, l.rows, n, l.relu);
      }
      hT = yT;
    });
    b.transpose(hT, w.logits, this.numClasses, n);
    return w.logits;
  }

  // Buffers for n rows, grown (never shrunk) on demand; ops read only the first n rows.
  private workspace(n: number): Workspace {
    if (this.work !== null && this.work.rows >= n) return this.work;
    this.freeWorkspace();
    const b = this.backend;
    const rows = Math.max(n, 1);
    this.work = {
      rows,
      x: b.alloc(rows * this.inputSize),
      xT: b.alloc(rows * this.inputSize),
      acts: this.layers.map((l) => b.alloc(rows * l.rows)),
      logits: b.alloc(rows * this.numClasses),
    };
    return this.work;
  }

  private freeWorkspace(): void {
    if (this.work === null) return;
    for (const buf of [this.work.x, this.work.xT, ...this.work.acts, this.work.logits]) this.backend.free(buf);
    this.work = null;
  }

  /** The CSR index of layer i (tests, benchmarks). */
  layerIndex(i: number): CsrIndex {
    return this.layers[i].csr.csr;
  }

  /** Frees every backend buffer of the model. */
  dispose(): void {
    this.freeWorkspace();
    for (const l of this.layers) {
      freeCsr(this.backend, l.csr);
      for (const buf of [l.values, l.bias, l.dense]) if (buf !== null) this.backend.free(buf);
    }
    this.layers.length = 0;
  }
}

/** Decodes model.lth bytes onto `backend` (a fresh wasm backend when omitted). */
export async function loadSparseModel(bytes: Uint8Array, backend?: Backend): Promise<SparseModel> {
  const spec = decodeSparseModel(bytes);
  if (spec.layers.length === 0) throw new UserError('model.lth: no layers');
  return new SparseModel(backend ?? (await createBackend('wasm')), spec);
}

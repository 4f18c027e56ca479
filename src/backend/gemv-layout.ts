/**
 * The packed weight layout of the small-batch path (CoreOps.gemvPack / gemv; kernel:
 * assembly/gemv.ts): W [rows, cols] as panels of GEMV_PANEL rows, column-major inside a panel,
 * rows past the last zero-filled:
 *
 *   packed[(p·cols + k)·GEMV_PANEL + r] = W[p·GEMV_PANEL + r, k]
 *
 * A mat-vec then streams the weights once, in order. Every backend uses this one layout (the js
 * backend's functions below are its reference).
 */

/** Rows per panel (four f32x4 accumulators in the wasm kernel). */
export const GEMV_PANEL = 16;

/** Floats of the packed form of a [rows, cols] weight. */
export function gemvPackedSize(rows: number, cols: number): number {
  return Math.ceil(rows / GEMV_PANEL) * GEMV_PANEL * cols;
}

/** Packs row-major w [rows, cols] into `packed` (gemvPackedSize floats). */
export function gemvPackRef(w: Float32Array, rows: number, cols: number, packed: Float32Array): void {
  const panels = Math.ceil(rows / GEMV_PANEL);
  for (let p = 0; p < panels; p++) {
    for (let k = 0; k < cols; k++) {
      for (let r = 0; r < GEMV_PANEL; r++) {
        const row = p * GEMV_PANEL + r;
        packed[(p * cols + k) * GEMV_PANEL + r] = row < rows ? w[row * cols + k] : 0;
      }
    }
  }
}

/** y[rows] = W·x + bias, then ReLU when relu, W packed (float64 sums, rounded once). */
export function gemvRef(packed: Float32Array, rows: number, cols: number, x: Float32Array, bias: Float32Array, relu: boolean, y: Float32Array): void {
  for (let row = 0; row < rows; row++) {
    const p = Math.floor(row / GEMV_PANEL);
    const r = row % GEMV_PANEL;
    let s = 0;
    for (let k = 0; k < cols; k++) s += packed[(p * cols + k) * GEMV_PANEL + r] * x[k];
    const v = Math.fround(Math.fround(s) + bias[row]);
    y[row] = relu && !(v > 0) ? 0 : v;
  }
}

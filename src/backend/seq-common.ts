/**
 * What every backend's seq family shares (js-seq.ts, wasm-seq.ts, tfjs-seq.ts): the GELU
 * constants and the check of embedding ids. Its own module so that the wasm backend (and the
 * edge entry with it) does not pull in the js reference backend.
 */

/** sqrt(2/pi), the GELU tanh approximation's constant. */
export const GELU_C = Math.sqrt(2 / Math.PI);
/** The cubic coefficient of the GELU tanh approximation. */
export const GELU_A = 0.044715;

/** Throws unless ids[i] for i < n are integral rows of a table of `rows` rows (`what` names the op). */
export function checkIds(ids: ArrayLike<number>, n: number, rows: number, what: string): void {
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (!(Number.isInteger(id) && id >= 0 && id < rows)) {
      throw new RangeError(`${what}: ids[${i}] = ${id} is not a row of the table (${rows} rows); ids must be integers in [0, ${rows})`);
    }
  }
}

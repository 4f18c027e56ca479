/**
 * A dataset whose arrays live in SharedArrayBuffers: posting it to worker threads shares the
 * memory instead of copying it, so N workers hold one copy of the data, not N. Pieces only read
 * the data (batches are copied into the backend), so sharing needs no synchronisation.
 */
import type { Dataset, Split } from '../data/dataset.ts';

/**
 * `data` with every split's x and y copied into shared memory (arrays already shared are kept);
 * every other field (labelWidth, text with its vocabulary, shapes) is kept as it is and travels
 * to the threads by structured clone.
 */
export function shareDataset(data: Dataset): Dataset {
  return { ...data, train: shareSplit(data.train), val: shareSplit(data.val), test: shareSplit(data.test) };
}

/** Whether every split's arrays are in shared memory. */
export function isShared(data: Dataset): boolean {
  return [data.train, data.val, data.test].every((s) => s.x.buffer instanceof SharedArrayBuffer && s.y.buffer instanceof SharedArrayBuffer);
}

function shareSplit(s: Split): Split {
  return { ...s, x: shared(s.x), y: shared(s.y) };
}

function shared(a: Float32Array): Float32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = new Float32Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/**
 * Masks and weights as safetensors bytes, and the checks on what is read back: the one
 * implementation behind every store and the Node path helpers (experiment/store.ts).
 */
import type { Masks } from '../../prune/masks.ts';
import type { Weights } from '../../train/state.ts';
import { UserError } from '../../util/errors.ts';
import { CorruptFileError } from '../io/corrupt.ts';
import { type SafeTensor, type SafetensorsFile, decodeSafetensors, encodeSafetensors } from '../io/safetensors.ts';
import { type ExpectedShapes, tensorProblem } from '../io/tensor-check.ts';
import type { RunKey } from './keys.ts';

/** Float weights as F32 tensors of their shapes (their flat length when a shape is not given). */
export function encodeWeights(w: Weights, shapes: ExpectedShapes, metadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, data] of Object.entries(w)) tensors[name] = { dtype: 'F32', shape: [...(shapes[name] ?? [data.length])], data };
  return encodeSafetensors(tensors, metadata);
}

/** Masks as U8 0/1 tensors (loadable by safetensors in PyTorch). */
export function encodeMasks(masks: Masks, shapes: ExpectedShapes): Uint8Array {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, data] of Object.entries(masks)) tensors[name] = { dtype: 'U8', shape: [...(shapes[name] ?? [data.length])], data };
  return encodeSafetensors(tensors);
}

/**
 * Decodes an entry's bytes (undefined: it is absent). Missing or undecodable is a
 * CorruptFileError naming `where` (and `key`, so the runner can recompute its producer).
 */
export function decodeEntry(bytes: Uint8Array | undefined, where: string, key?: RunKey): SafetensorsFile {
  if (bytes === undefined) throw new CorruptFileError(where, 'missing', true, key);
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof UserError) throw new CorruptFileError(where, e.message, false, key);
    throw e;
  }
}

/**
 * The masks (`kind` 'mask') or weights of a decoded file. With `expect` (tensor name -> shape)
 * the file must hold exactly those, masks 0/1 and weights finite, or a CorruptFileError says why.
 */
export function tensorsOf(f: SafetensorsFile, kind: 'mask', where: string, expect?: ExpectedShapes, key?: RunKey): Masks;
export function tensorsOf(f: SafetensorsFile, kind: 'weights', where: string, expect?: ExpectedShapes, key?: RunKey): Weights;
export function tensorsOf(f: SafetensorsFile, kind: 'mask' | 'weights', where: string, expect?: ExpectedShapes, key?: RunKey): Masks | Weights {
  const problem = expect === undefined ? undefined : tensorProblem(f, expect, kind);
  if (problem !== undefined) throw new CorruptFileError(where, problem, false, key);
  const out: Record<string, SafeTensor['data']> = {};
  for (const [name, t] of Object.entries(f.tensors)) out[name] = t.data;
  return out as Masks | Weights;
}

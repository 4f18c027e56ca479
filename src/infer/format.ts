/**
 * The model.lth file: a compact sparse MLP, stored as safetensors (so PyTorch's
 * `safetensors.torch.load_file` reads it too). Per Linear layer `<name>` (forward order):
 *
 *   <name>.row_ptr  I32 [out + 1]   CSR row pointers of the weight W[out, in]
 *   <name>.col_idx  I32 [nnz]       column of each surviving weight, ascending within a row
 *   <name>.values   F32 [nnz]       the surviving weights, in CSR order
 *   <name>.bias     F32 [out]
 *
 * The mask is the CSR pattern (weight (r, c) survives iff c is in row r's columns), so a file
 * costs 8 bytes per surviving weight plus 4 per row. String metadata (`__metadata__`):
 * format = "lth-sparse-mlp/1", model, dataset, normalize (as in the run's config), input_shape
 * and layers (JSON: [{ name, in, out, relu }]), num_classes, and provenance (run, round, trial,
 * branch, density). Inputs must be preprocessed as in training (`normalize`).
 */
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../experiment/io/safetensors.ts';
import { UserError } from '../util/errors.ts';

/** The format tag written to and required in the metadata. */
export const SPARSE_FORMAT = 'lth-sparse-mlp/1';

/** One Linear layer y = act(x·Wᵀ + b), W [outFeatures, inFeatures] in CSR form. */
export interface SparseLayerSpec {
  name: string;
  inFeatures: number;
  outFeatures: number;
  relu: boolean;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float32Array;
  bias: Float32Array;
}

/** A sparse MLP: layers in forward order, and what produced it. */
export interface SparseModelSpec {
  model: string;
  dataset: string;
  /** The run's `normalize` setting: how inputs were preprocessed in training. */
  normalize: boolean | 'feature' | 'channel';
  inputShape: number[];
  numClasses: number;
  layers: SparseLayerSpec[];
  /** Provenance (run, round, trial, branch, density), free-form strings. */
  info: Record<string, string>;
}

/** Surviving weights over all weights of the model's layers. */
export function specDensity(spec: SparseModelSpec): number {
  let nnz = 0;
  let total = 0;
  for (const l of spec.layers) {
    nnz += l.values.length;
    total += l.inFeatures * l.outFeatures;
  }
  return total === 0 ? 1 : nnz / total;
}

/** Encodes a spec as model.lth bytes. */
export function encodeSparseModel(spec: SparseModelSpec): Uint8Array {
  const tensors: Record<string, SafeTensor> = {};
  for (const l of spec.layers) {
    tensors[`${l.name}.row_ptr`] = { dtype: 'I32', shape: [l.rowPtr.length], data: l.rowPtr };
    tensors[`${l.name}.col_idx`] = { dtype: 'I32', shape: [l.colIdx.length], data: l.colIdx };
    tensors[`${l.name}.values`] = { dtype: 'F32', shape: [l.values.length], data: l.values };
    tensors[`${l.name}.bias`] = { dtype: 'F32', shape: [l.bias.length], data: l.bias };
  }
  const layers = spec.layers.map((l) => ({ name: l.name, in: l.inFeatures, out: l.outFeatures, relu: l.relu }));
  return encodeSafetensors(tensors, {
    ...spec.info,
    format: SPARSE_FORMAT,
    model: spec.model,
    dataset: spec.dataset,
    normalize: JSON.stringify(spec.normalize),
    input_shape: JSON.stringify(spec.inputShape),
    num_classes: String(spec.numClasses),
    layers: JSON.stringify(layers),
  });
}

const RESERVED = new Set(['format', 'model', 'dataset', 'normalize', 'input_shape', 'num_classes', 'layers']);

/** Decodes and validates model.lth bytes; every problem is a UserError naming it. */
export function decodeSparseModel(bytes: Uint8Array): SparseModelSpec {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== SPARSE_FORMAT) {
    throw new UserError(`not an lth sparse model: metadata format is ${JSON.stringify(metadata.format)}, expected "${SPARSE_FORMAT}"`);
  }
  const inputShape = parseJson(metadata.input_shape, 'input_shape') as number[];
  const numClasses = Number(metadata.num_classes);
  const raw = parseJson(metadata.layers, 'layers');
  if (!Array.isArray(raw) || raw.length === 0) throw new UserError('model.lth: metadata "layers" must be a non-empty array');
  const layers = raw.map((l: { name: string; in: number; out: number; relu: boolean }, i: number) => {
    const get = (suffix: string, dtype: 'I32' | 'F32') => {
      const t = tensors[`${l.name}.${suffix}`];
      if (t === undefined || t.dtype !== dtype) throw new UserError(`model.lth: layer ${i} needs a ${dtype} tensor "${l.name}.${suffix}"`);
      return t.data;
    };
    const spec: SparseLayerSpec = {
      name: String(l.name), inFeatures: l.in, outFeatures: l.out, relu: Boolean(l.relu),
      rowPtr: get('row_ptr', 'I32') as Int32Array, colIdx: get('col_idx', 'I32') as Int32Array,
      values: get('values', 'F32') as Float32Array, bias: get('bias', 'F32') as Float32Array,
    };
    checkLayer(spec, i === 0 ? featureCount(inputShape) : raw[i - 1].out);
    return spec;
  });
  if (layers[layers.length - 1].outFeatures !== numClasses) throw new UserError(`model.lth: last layer has ${layers[layers.length - 1].outFeatures} outputs, num_classes is ${metadata.num_classes}`);
  const info = Object.fromEntries(Object.entries(metadata).filter(([k]) => !RESERVED.has(k)));
  const normalize = parseJson(metadata.normalize ?? 'false', 'normalize') as SparseModelSpec['normalize'];
  return { model: metadata.model ?? '', dataset: metadata.dataset ?? '', normalize, inputShape, numClasses, layers, info };
}

function featureCount(shape: unknown): number {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d > 0)) throw new UserError(`model.lth: bad input_shape ${JSON.stringify(shape)}`);
  return shape.reduce((a: number, d: number) => a * d, 1);
}

function parseJson(s: string | undefined, what: string): unknown {
  try {
    return JSON.parse(s ?? '');
  } catch {
    throw new UserError(`model.lth: metadata "${what}" is missing or not JSON`);
  }
}

// A layer's shape chains from the previous one and its CSR is well formed (the kernels trust it).
function checkLayer(l: SparseLayerSpec, inputs: number): void {
  const where = `model.lth: layer "${l.name}"`;
  if (!Number.isInteger(l.inFeatures) || !Number.isInteger(l.outFeatures) || l.outFeatures < 1 || l.inFeatures !== inputs) {
    throw new UserError(`${where}: shape [${l.outFeatures}, ${l.inFeatures}] does not take the ${inputs} inputs before it`);
  }
  const { rowPtr, colIdx, values } = l;
  if (rowPtr.length !== l.outFeatures + 1 || l.bias.length !== l.outFeatures) throw new UserError(`${where}: row_ptr or bias length disagrees with ${l.outFeatures} outputs`);
  if (values.length !== colIdx.length || rowPtr[0] !== 0 || rowPtr[l.outFeatures] !== colIdx.length) {
    throw new UserError(`${where}: row_ptr must run from 0 to nnz = ${colIdx.length} (= values length ${values.length})`);
  }
  for (let r = 0; r < l.outFeatures; r++) {
    if (rowPtr[r + 1] < rowPtr[r]) throw new UserError(`${where}: row_ptr decreases at row ${r}`);
    for (let j = rowPtr[r]; j < rowPtr[r + 1]; j++) {
      const c = colIdx[j];
      if (c < 0 || c >= l.inFeatures || (j > rowPtr[r] && c <= colIdx[j - 1])) throw new UserError(`${where}: col_idx[${j}] = ${c} is out of range or not ascending`);
    }
  }
}

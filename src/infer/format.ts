/**
 * The model.lth file: a compact sparse network, stored as safetensors (so PyTorch's
 * `safetensors.torch.load_file` reads it too). Layers run in the order of the metadata's
 * `layers` list (JSON); each weight layer `<name>` stores its weight as CSR:
 *
 *   <name>.row_ptr  I32 [out + 1]   CSR row pointers of W[out, fanIn]
 *   <name>.col_idx  I32 [nnz]       column of each surviving weight, ascending within a row
 *   <name>.values   F32 [nnz]       the surviving weights, in CSR order
 *   <name>.bias     F32 [out]
 *
 * Layer kinds (fields of their `layers` entry):
 *   linear   { name, in, out, relu }                              W [out, in]; y = act(W·x + b)
 *   conv     { name, in, out, kernel: [kh, kw], stride, padding, relu }
 *            W [out, in·kh·kw] (the NCHW weight [out, in, kh, kw] flattened), cross-correlation
 *            with zero padding ('same', 'valid' or pixels per side), then bias and ReLU; a
 *            BatchNorm after it in training is folded into W and b at export
 *   maxpool  { name, kernel, stride, padding }                    no weights
 *   avgpool  { name }                                             global average pooling, [c, h, w] -> [c]
 * Activations are NCHW per example; a linear layer reads whatever comes before it flattened
 * (C, H, W order, as training's Flatten). The mask is the CSR pattern, so a file costs 8 bytes
 * per surviving weight plus 4 per output. String metadata (`__metadata__`): format =
 * "lth-sparse/2", model, dataset, normalize (as in the run's config), input_shape, layers,
 * num_classes, and provenance (run, round, trial, branch, density). Inputs must be preprocessed
 * as in training (`normalize`). Files of the first format, "lth-sparse-mlp/1" (linear layers
 * only, entries without `kind`), still load.
 */
import type { Padding } from '../backend/conv-geom.ts';
import { windowGeom } from '../backend/conv-geom.ts';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../experiment/io/safetensors.ts';
import { featureCount } from '../data/dataset.ts';
import { UserError } from '../util/errors.ts';

/** The format tag written to the metadata. */
export const SPARSE_FORMAT = 'lth-sparse/2';
/** The first format (sparse MLPs), still read. */
export const SPARSE_FORMAT_MLP = 'lth-sparse-mlp/1';

/** A weight in CSR form over [rows = outputs, cols = fan-in], and its bias. */
interface CsrWeight {
  name: string;
  relu: boolean;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float32Array;
  bias: Float32Array;
}

/** y = act(W·x + b), W [outFeatures, inFeatures], over the flattened activations before it. */
export interface LinearLayerSpec extends CsrWeight {
  kind: 'linear';
  inFeatures: number;
  outFeatures: number;
}

/** A 2-D convolution of [inChannels, h, w] to outChannels, W [outChannels, inChannels·kh·kw]. */
export interface ConvLayerSpec extends CsrWeight {
  kind: 'conv';
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  stride: number;
  padding: Padding;
}

/** Max pooling over each channel. */
export interface MaxPoolLayerSpec {
  kind: 'maxpool';
  name: string;
  kernel: number;
  stride: number;
  padding: Padding;
}

/** Global average pooling: [c, h, w] -> [c]. */
export interface AvgPoolLayerSpec {
  kind: 'avgpool';
  name: string;
}

export type SparseLayerSpec = LinearLayerSpec | ConvLayerSpec | MaxPoolLayerSpec | AvgPoolLayerSpec;
/** A layer with a CSR weight. */
export type WeightLayerSpec = LinearLayerSpec | ConvLayerSpec;

/** A sparse network: layers in forward order, and what produced it. */
export interface SparseModelSpec {
  model: string;
  dataset: string;
  /** The run's `normalize` setting: how inputs were preprocessed in training. */
  normalize: boolean | 'feature' | 'channel';
  /** One example: [features] or [channels, height, width]. */
  inputShape: number[];
  numClasses: number;
  layers: SparseLayerSpec[];
  /** Provenance (run, round, trial, branch, density), free-form strings. */
  info: Record<string, string>;
}

/** Whether a layer has a CSR weight. */
export function hasWeight(l: SparseLayerSpec): l is WeightLayerSpec {
  return l.kind === 'linear' || l.kind === 'conv';
}

/** [rows, cols] of a weight layer's CSR matrix. */
export function csrShape(l: WeightLayerSpec): [number, number] {
  return l.kind === 'linear' ? [l.outFeatures, l.inFeatures] : [l.outChannels, l.inChannels * l.kernel[0] * l.kernel[1]];
}

/** Surviving weights over all weights of the model's weight layers. */
export function specDensity(spec: SparseModelSpec): number {
  let nnz = 0;
  let total = 0;
  for (const l of spec.layers.filter(hasWeight)) {
    const [rows, cols] = csrShape(l);
    nnz += l.values.length;
    total += rows * cols;
  }
  return total === 0 ? 1 : nnz / total;
}

/**
 * The activation shape after each layer (per example), from the input shape; a UserError naming
 * the first layer that does not fit what comes before it.
 */
export function layerShapes(inputShape: readonly number[], layers: readonly SparseLayerSpec[]): number[][] {
  const out: number[][] = [];
  let shape = [...inputShape];
  for (const l of layers) {
    const where = `layer "${l.name}" (${l.kind})`;
    const image = (): [number, number, number] => {
      if (shape.length !== 3) throw new UserError(`${where} needs [channels, height, width] activations, gets [${shape.join(', ')}]`);
      return shape as [number, number, number];
    };
    if (l.kind === 'linear') {
      if (!Number.isInteger(l.inFeatures) || !Number.isInteger(l.outFeatures) || l.outFeatures < 1 || l.inFeatures !== featureCount(shape)) {
        throw new UserError(`${where}: shape [${l.outFeatures}, ${l.inFeatures}] does not take the ${featureCount(shape)} inputs before it`);
      }
      shape = [l.outFeatures];
    } else if (l.kind === 'avgpool') {
      shape = [image()[0]];
    } else {
      const [c, h, w] = image();
      if (l.kind === 'conv' && (l.inChannels !== c || !Number.isInteger(l.outChannels) || l.outChannels < 1)) {
        throw new UserError(`${where}: [${l.outChannels}, ${l.inChannels}, ...] does not take the ${c} channels before it`);
      }
      let g: ReturnType<typeof windowGeom>;
      try {
        g = windowGeom(h, w, l.kernel, l.stride, l.padding);
      } catch (e) {
        throw new UserError(`${where}: ${(e as Error).message}`);
      }
      if (g.outH < 1 || g.outW < 1) throw new UserError(`${where}: its window does not fit the ${h}x${w} input`);
      shape = [l.kind === 'conv' ? l.outChannels : c, g.outH, g.outW];
    }
    out.push(shape);
  }
  return out;
}

// The `layers` metadata entry of a layer (its tensors hold the rest).
function layerEntry(l: SparseLayerSpec): Record<string, unknown> {
  switch (l.kind) {
    case 'linear': return { kind: 'linear', name: l.name, in: l.inFeatures, out: l.outFeatures, relu: l.relu };
    case 'conv': return { kind: 'conv', name: l.name, in: l.inChannels, out: l.outChannels, kernel: l.kernel, stride: l.stride, padding: l.padding, relu: l.relu };
    case 'maxpool': return { kind: 'maxpool', name: l.name, kernel: l.kernel, stride: l.stride, padding: l.padding };
    case 'avgpool': return { kind: 'avgpool', name: l.name };
  }
}

/** Encodes a spec as model.lth bytes. */
export function encodeSparseModel(spec: SparseModelSpec): Uint8Array {
  const tensors: Record<string, SafeTensor> = {};
  for (const l of spec.layers.filter(hasWeight)) {
    tensors[`${l.name}.row_ptr`] = { dtype: 'I32', shape: [l.rowPtr.length], data: l.rowPtr };
    tensors[`${l.name}.col_idx`] = { dtype: 'I32', shape: [l.colIdx.length], data: l.colIdx };
    tensors[`${l.name}.values`] = { dtype: 'F32', shape: [l.values.length], data: l.values };
    tensors[`${l.name}.bias`] = { dtype: 'F32', shape: [l.bias.length], data: l.bias };
  }
  return encodeSafetensors(tensors, {
    ...spec.info,
    format: SPARSE_FORMAT,
    model: spec.model,
    dataset: spec.dataset,
    normalize: JSON.stringify(spec.normalize),
    input_shape: JSON.stringify(spec.inputShape),
    num_classes: String(spec.numClasses),
    layers: JSON.stringify(spec.layers.map(layerEntry)),
  });
}

const RESERVED = new Set(['format', 'model', 'dataset', 'normalize', 'input_shape', 'num_classes', 'layers']);

/**
 * Decodes and validates model.lth bytes; every problem is a UserError that starts with `source`
 * (the file's path where there is one) and names the problem.
 */
export function decodeSparseModel(bytes: Uint8Array, source = 'model.lth'): SparseModelSpec {
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${source}: ${e.message}`);
    throw e;
  }
}

function decode(bytes: Uint8Array): SparseModelSpec {
  const { tensors, metadata } = decodeSafetensors(bytes);
  if (metadata.format !== SPARSE_FORMAT && metadata.format !== SPARSE_FORMAT_MLP) {
    throw new UserError(`not an lth sparse model: metadata format is ${JSON.stringify(metadata.format)}, expected "${SPARSE_FORMAT}"`);
  }
  const inputShape = parseJson(metadata.input_shape, 'input_shape');
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new UserError(`bad input_shape ${JSON.stringify(inputShape)}`);
  }
  const numClasses = Number(metadata.num_classes);
  const raw = parseJson(metadata.layers, 'layers');
  if (!Array.isArray(raw) || raw.length === 0) throw new UserError('metadata "layers" must be a non-empty array');
  const layers = raw.map((entry: Record<string, unknown>, i: number) => layerFromEntry(entry, i, tensors));
  const shapes = layerShapes(inputShape, layers);
  const last = shapes[shapes.length - 1];
  if (last.length !== 1 || last[0] !== numClasses) throw new UserError(`the last layer gives [${last.join(', ')}], num_classes is ${metadata.num_classes}`);
  for (const l of layers.filter(hasWeight)) checkCsr(l);
  const info = Object.fromEntries(Object.entries(metadata).filter(([k]) => !RESERVED.has(k)));
  const normalize = parseJson(metadata.normalize ?? 'false', 'normalize') as SparseModelSpec['normalize'];
  return { model: metadata.model ?? '', dataset: metadata.dataset ?? '', normalize, inputShape, numClasses, layers, info };
}

// One `layers` entry and its tensors as a layer spec (entries of the first format have no kind).
function layerFromEntry(e: Record<string, unknown>, i: number, tensors: Record<string, SafeTensor>): SparseLayerSpec {
  if (e === null || typeof e !== 'object') throw new UserError(`layers[${i}] is not an object`);
  const name = String(e.name ?? `layer${i}`);
  const kind = e.kind ?? 'linear'; // the first format's entries have no kind
  const padding = (): Padding => {
    const p = e.padding;
    if (p === 'same' || p === 'valid' || (typeof p === 'number' && Number.isInteger(p) && p >= 0)) return p;
    throw new UserError(`layer "${name}": padding must be "same", "valid" or an integer >= 0, got ${JSON.stringify(p)}`);
  };
  const int = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new UserError(`layer "${name}": ${what} must be an integer >= 1, got ${JSON.stringify(v)}`);
    return v;
  };
  const csr = () => {
    const get = (suffix: string, dtype: 'I32' | 'F32') => {
      const t = tensors[`${name}.${suffix}`];
      if (t === undefined || t.dtype !== dtype) throw new UserError(`layer ${i} needs a ${dtype} tensor "${name}.${suffix}"`);
      return t.data;
    };
    return {
      name, relu: Boolean(e.relu),
      rowPtr: get('row_ptr', 'I32') as Int32Array, colIdx: get('col_idx', 'I32') as Int32Array,
      values: get('values', 'F32') as Float32Array, bias: get('bias', 'F32') as Float32Array,
    };
  };
  switch (kind) {
    case 'linear':
      return { kind: 'linear', ...csr(), inFeatures: e.in as number, outFeatures: e.out as number };
    case 'conv': {
      const k = e.kernel;
      if (!Array.isArray(k) || k.length !== 2) throw new UserError(`layer "${name}": kernel must be [height, width], got ${JSON.stringify(k)}`);
      return { kind: 'conv', ...csr(), inChannels: int(e.in, 'in'), outChannels: int(e.out, 'out'), kernel: [int(k[0], 'kernel height'), int(k[1], 'kernel width')], stride: int(e.stride, 'stride'), padding: padding() };
    }
    case 'maxpool':
      return { kind: 'maxpool', name, kernel: int(e.kernel, 'kernel'), stride: int(e.stride, 'stride'), padding: padding() };
    case 'avgpool':
      return { kind: 'avgpool', name };
    default:
      throw new UserError(`layer "${name}" has unknown kind ${JSON.stringify(kind)} (expected linear, conv, maxpool or avgpool)`);
  }
}

function parseJson(s: string | undefined, what: string): unknown {
  try {
    return JSON.parse(s ?? '');
  } catch {
    throw new UserError(`metadata "${what}" is missing or not JSON`);
  }
}

// A weight layer's CSR is well formed for its shape (the kernels trust it).
function checkCsr(l: WeightLayerSpec): void {
  const where = `layer "${l.name}"`;
  const [rows, cols] = csrShape(l);
  const { rowPtr, colIdx, values } = l;
  if (rowPtr.length !== rows + 1 || l.bias.length !== rows) throw new UserError(`${where}: row_ptr or bias length disagrees with ${rows} outputs`);
  if (values.length !== colIdx.length || rowPtr[0] !== 0 || rowPtr[rows] !== colIdx.length) {
    throw new UserError(`${where}: row_ptr must run from 0 to nnz = ${colIdx.length} (= values length ${values.length})`);
  }
  // a NaN or infinite weight makes every prediction NaN: reject the file, not its outputs
  for (const [what, t] of [['values', values], ['bias', l.bias]] as const) {
    const i = t.findIndex((x) => !Number.isFinite(x));
    if (i >= 0) throw new UserError(`${where}: tensor "${l.name}.${what}" holds ${t[i]} at index ${i}; weights must be finite (was the run diverged?)`);
  }
  for (let r = 0; r < rows; r++) {
    if (rowPtr[r + 1] < rowPtr[r]) throw new UserError(`${where}: row_ptr decreases at row ${r}`);
    for (let j = rowPtr[r]; j < rowPtr[r + 1]; j++) {
      const c = colIdx[j];
      if (c < 0 || c >= cols || (j > rowPtr[r] && c <= colIdx[j - 1])) throw new UserError(`${where}: col_idx[${j}] = ${c} is out of range or not ascending`);
    }
  }
}

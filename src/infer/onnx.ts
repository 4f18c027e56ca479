/**
 * ONNX export: a sparse model (format.ts, the same layers model.lth holds) as a standard ONNX
 * model that ONNX Runtime, and any other ONNX consumer, loads. Opset 13, IR version 7:
 *
 *   linear   [Flatten(axis 1) when the input is an image] Gemm(x, W [out, in], b, transB=1) [Relu]
 *   conv     Conv(x, W [out, in, kh, kw], b; pads from 'same' / 'valid' / pixels) [Relu]
 *   maxpool  MaxPool(kernel, stride, pads)
 *   avgpool  GlobalAveragePool (+ Flatten before a following Gemm, or at the end)
 *
 * BatchNorms were already folded into the convolutions at export (export.ts), so the graph has
 * none. Initializers hold the dense weights with the pruned ones as zeros (ONNX has no standard
 * sparse weight a runtime will run fast; the zeros keep the ticket exact). Input `input`
 * [batch, ...inputShape] (preprocessed as in training: see the `normalize` metadata), output
 * `logits` [batch, classes]. metadata_props: lth_version, model, dataset, normalize,
 * input_shape, weights_remaining (surviving / all weights of the weight layers), round, trial,
 * branch, run, config_fnv1a64 (a hash of the run's config.json) and the per-layer nonzeros.
 *
 * The protobuf encoding is protobufjs over the official onnx.proto (onnx-proto.ts), parsed once.
 */
import protobuf from 'protobufjs';
import { windowGeom } from '../backend/conv-geom.ts';
import { runKeys } from '../experiment/store/keys.ts';
import { openRunStore } from '../experiment/store/open.ts';
import type { RunStore } from '../experiment/store/run-store.ts';
import { UserError } from '../util/errors.ts';
import { LTH_VERSION } from '../version.ts';
import { type ExportOptions, sparseSpecFromRun } from './export.ts';
import { type SparseModelSpec, type WeightLayerSpec, csrShape, hasWeight, layerShapes, specDensity } from './format.ts';
import { ONNX_PROTO } from './onnx-proto.ts';

/** The ONNX operator set the graph uses (default domain). */
export const ONNX_OPSET = 13;
/** The IR version matching opset 13. */
export const ONNX_IR_VERSION = 7;

// TensorProto.DataType.FLOAT and AttributeProto.AttributeType.{INT, INTS}.
const FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

let modelType: protobuf.Type | null = null;

/** onnx.ModelProto, parsed from the embedded schema on first use. */
export function onnxModelType(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

interface Attr {
  name: string;
  type: number;
  i?: number;
  ints?: number[];
}
const intAttr = (name: string, i: number): Attr => ({ name, type: ATTR_INT, i });
const intsAttr = (name: string, ints: number[]): Attr => ({ name, type: ATTR_INTS, ints });

/** A layer's CSR weight as a dense row-major array, pruned weights as zeros. */
export function denseWeight(l: WeightLayerSpec): Float32Array {
  const [rows, cols] = csrShape(l);
  const w = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let j = l.rowPtr[r]; j < l.rowPtr[r + 1]; j++) w[r * cols + l.colIdx[j]] = l.values[j];
  return w;
}

// Leading and trailing padding of one axis, as ONNX's pads want them (trailing: what the last
// window needs beyond the input, never negative; windowGeom's 'same' puts the odd pixel there).
function pads(size: number, k: number, stride: number, lead: number, out: number): [number, number] {
  return [lead, Math.max((out - 1) * stride + k - size - lead, 0)];
}

/** Extra metadata_props entries (provenance) to write beside the spec's own. */
export type OnnxMetadata = Record<string, string>;

/** The ONNX model (protobuf bytes) of a sparse model; see the file comment for the graph. */
export function encodeOnnxModel(spec: SparseModelSpec, extra: OnnxMetadata = {}): Uint8Array {
  const shapes = layerShapes(spec.inputShape, spec.layers);
  const nodes: object[] = [];
  const initializer: object[] = [];
  let x = 'input';
  // rank of the current activation including the batch axis (GlobalAveragePool keeps 4)
  let rank = spec.inputShape.length + 1;
  const node = (op: string, inputs: string[], out: string, attribute: Attr[] = []): string => {
    nodes.push({ op_type: op, name: out, input: inputs, output: [out], attribute });
    return out;
  };
  const init = (name: string, dims: number[], data: Float32Array): string => {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    initializer.push({ name, dims, data_type: FLOAT, raw_data: bytes });
    return name;
  };
  spec.layers.forEach((l, i) => {
    const input = i === 0 ? spec.inputShape : shapes[i - 1];
    if (l.kind === 'linear') {
      if (rank !== 2) {
        x = node('Flatten', [x], `${l.name}.flatten`, [intAttr('axis', 1)]);
        rank = 2;
      }
      const w = init(`${l.name}.weight`, [l.outFeatures, l.inFeatures], denseWeight(l));
      const b = init(`${l.name}.bias`, [l.outFeatures], l.bias);
      x = node('Gemm', [x, w, b], l.relu ? `${l.name}.gemm` : l.name, [intAttr('transB', 1)]);
      if (l.relu) x = node('Relu', [x], l.name);
    } else if (l.kind === 'conv' || l.kind === 'maxpool') {
      const [, h, wd] = input;
      const k: [number, number] = l.kind === 'conv' ? l.kernel : [l.kernel, l.kernel];
      const g = windowGeom(h, wd, k, l.stride, l.padding);
      const [t, bt] = pads(h, g.kh, g.strideH, g.padH, g.outH);
      const [lf, rt] = pads(wd, g.kw, g.strideW, g.padW, g.outW);
      const attrs = [intsAttr('kernel_shape', [g.kh, g.kw]), intsAttr('strides', [g.strideH, g.strideW]), intsAttr('pads', [t, lf, bt, rt])];
      if (l.kind === 'maxpool') {
        x = node('MaxPool', [x], l.name, attrs);
      } else {
        const w = init(`${l.name}.weight`, [l.outChannels, l.inChannels, g.kh, g.kw], denseWeight(l));
        const b = init(`${l.name}.bias`, [l.outChannels], l.bias);
        x = node('Conv', [x, w, b], l.relu ? `${l.name}.conv` : l.name, [...attrs, intsAttr('dilations', [1, 1]), intAttr('group', 1)]);
        if (l.relu) x = node('Relu', [x], l.name);
      }
    } else {
      x = node('GlobalAveragePool', [x], l.name);
      rank = 4;
    }
  });
  if (rank !== 2) x = node('Flatten', [x], 'logits.flatten', [intAttr('axis', 1)]);
  // name the last node's output 'logits'
  const last = nodes[nodes.length - 1] as { output: string[] };
  last.output = ['logits'];
  const tensorType = (dims: (number | string)[]) => ({
    tensor_type: { elem_type: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) } },
  });
  const metadata: Record<string, string> = {
    ...spec.info,
    ...extra,
    lth_version: LTH_VERSION,
    model: spec.model,
    dataset: spec.dataset,
    normalize: JSON.stringify(spec.normalize),
    input_shape: JSON.stringify(spec.inputShape),
    weights_remaining: specDensity(spec).toPrecision(6),
    nonzeros: JSON.stringify(Object.fromEntries(spec.layers.filter(hasWeight).map((l) => [l.name, l.values.length]))),
  };
  const model = {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'lth',
    producer_version: LTH_VERSION,
    doc_string: `${spec.model} lottery ticket exported by lth: ${(specDensity(spec) * 100).toFixed(2)}% of weights remain (pruned weights are zeros)`,
    graph: {
      name: spec.model || 'lth',
      node: nodes,
      initializer,
      input: [{ name: 'input', type: tensorType(['batch', ...spec.inputShape]) }],
      output: [{ name: 'logits', type: tensorType(['batch', spec.numClasses]) }],
    },
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  const type = onnxModelType();
  const err = type.verify(model);
  if (err !== null) throw new Error(`ONNX export: invalid ModelProto (${err})`);
  return type.encode(type.fromObject(model)).finish();
}

/** FNV-1a, 64 bits, of a string's UTF-16 code units, as 16 hex digits (a config fingerprint, not a security hash). */
export function fnv1a64(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < s.length; i++) h = BigInt.asUintN(64, (h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

/** The ONNX model of one trained network of a run (a RunStore, or a run directory in Node), and its spec. */
export function onnxModelFromRun(run: RunStore | string, o: ExportOptions): { bytes: Uint8Array; spec: SparseModelSpec } {
  const store = openRunStore(run);
  const spec = sparseSpecFromRun(store, o);
  const config = store.getText(runKeys.config);
  if (config === undefined) throw new UserError(`${store.location} is not a run directory (no config.json)`);
  let name = '';
  try {
    name = String((JSON.parse(config) as { name?: unknown }).name ?? '');
  } catch {
    // sparseSpecFromRun has already refused a config that is not JSON
  }
  return { bytes: encodeOnnxModel(spec, { run_name: name, config_fnv1a64: fnv1a64(config) }), spec };
}

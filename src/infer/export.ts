/**
 * Export of a trained ticket to model.lth: the run's mask and final weights for one round and
 * trial become CSR layers (format.ts). Exportable: MLPs and plain convolutional networks (Conv,
 * BatchNorm, ReLU, max and global average pooling, Flatten, Linear, Dropout in Sequentials:
 * LeNet, Conv-2/4/6, VGG-19); a BatchNorm is folded into the conv before it. Residual blocks
 * (ResNet-20) are not.
 */
import { JsBackend } from '../backend/js.ts';
import type { Padding } from '../backend/conv-geom.ts';
import { type BranchName, resolveConfig } from '../experiment/config.ts';
import { runKeys } from '../experiment/store/keys.ts';
import { openRunStore } from '../experiment/store/open.ts';
import type { RunStore } from '../experiment/store/run-store.ts';
import { BatchNorm2d, Conv2d, Flatten, GlobalAvgPool, MaxPool2d, Unflatten } from '../nn/conv-layers.ts';
import { Dropout, Linear, ReLU, Sequential } from '../nn/layers.ts';
import { getModel } from '../nn/models.ts';
import type { Module } from '../nn/module.ts';
import { csrFromMask } from '../prune/csr.ts';
import type { Masks } from '../prune/masks.ts';
import type { Weights } from '../train/state.ts';
import { UserError } from '../util/errors.ts';
import { type SparseLayerSpec, type SparseModelSpec, encodeSparseModel, specDensity } from './format.ts';

/** Which trained network of a run directory to export. */
export interface ExportOptions {
  round: number;
  /** Default 0. */
  trial?: number;
  /** A branch that saves its final weights; default 'ticket'. */
  branch?: string;
}

/** A BatchNorm to fold into the conv before it: its parameter prefix and epsilon. */
interface FoldedBn {
  name: string;
  eps: number;
}

/** A layer of an exportable network in forward order, before its weights are attached. */
export type LayerPlan =
  | { kind: 'linear'; name: string; inFeatures: number; outFeatures: number; relu: boolean }
  | { kind: 'conv'; name: string; inChannels: number; outChannels: number; kernel: [number, number]; stride: number; padding: Padding; relu: boolean; hasBias: boolean; bn: FoldedBn | null }
  | { kind: 'maxpool'; name: string; kernel: number; stride: number; padding: Padding }
  | { kind: 'avgpool'; name: string };

/** The layers of a module tree in forward order; a UserError for what model.lth cannot hold. */
export function modelLayers(model: Module, modelName: string): LayerPlan[] {
  const out: LayerPlan[] = [];
  let pools = 0;
  const unsupported = (what: string): never => {
    throw new UserError(`cannot export model '${modelName}': ${what}; lth export (model.lth and ONNX) holds MLPs and plain conv nets (Linear, Conv2d, BatchNorm2d, ReLU, MaxPool2d, GlobalAvgPool, Flatten, Dropout), not residual blocks`);
  };
  const walk = (m: Module): void => {
    const last = out[out.length - 1];
    if (m instanceof Sequential) for (const c of m.layers) walk(c);
    else if (m instanceof Linear) out.push({ kind: 'linear', name: m.name, inFeatures: m.inFeatures, outFeatures: m.outFeatures, relu: m.fuseRelu });
    else if (m instanceof Conv2d) {
      out.push({
        kind: 'conv', name: m.name, inChannels: m.inChannels, outChannels: m.outChannels, kernel: [m.kernel, m.kernel],
        stride: m.opts.stride ?? 1, padding: m.opts.padding ?? 'same', relu: m.opts.relu ?? false, hasBias: m.bias !== null, bn: null,
      });
    } else if (m instanceof BatchNorm2d) {
      if (last?.kind !== 'conv' || last.relu || last.bn !== null) unsupported(`BatchNorm2d '${m.name}' does not directly follow a conv`);
      const conv = last as Extract<LayerPlan, { kind: 'conv' }>;
      conv.bn = { name: m.name, eps: m.eps };
      conv.relu = m.fuseRelu;
    } else if (m instanceof ReLU) {
      if (last === undefined || (last.kind !== 'linear' && last.kind !== 'conv')) unsupported('a ReLU that does not follow a Linear or Conv2d');
      (last as { relu: boolean }).relu = true;
    } else if (m instanceof MaxPool2d) out.push({ kind: 'maxpool', name: `pool${++pools}`, kernel: m.kernel, stride: m.stride, padding: m.padding });
    else if (m instanceof GlobalAvgPool) out.push({ kind: 'avgpool', name: `pool${++pools}` });
    else if (!(m instanceof Dropout || m instanceof Flatten || m instanceof Unflatten)) unsupported(`found a ${m.constructor.name}`);
  };
  walk(model);
  if (!out.some((l) => l.kind === 'linear' || l.kind === 'conv')) throw new UserError(`cannot export model '${modelName}': it has no Linear or Conv2d layers`);
  return out;
}

/** The Linear layers of an MLP (a UserError for any other kind of network). */
export function mlpLayers(model: Module, modelName: string): LayerPlan[] {
  const layers = modelLayers(model, modelName);
  if (layers.some((l) => l.kind !== 'linear')) throw new UserError(`model '${modelName}' is not an MLP`);
  return layers;
}

/**
 * Layer specs with CSR weights from dense weights (`<name>.weight`, `<name>.bias`, BatchNorm
 * `gamma`/`beta`/`runningMean`/`runningVar`) and masks (all ones when absent).
 */
export function sparseLayers(layers: LayerPlan[], weights: Weights, masks: Masks): SparseLayerSpec[] {
  return layers.map((l): SparseLayerSpec => {
    if (l.kind === 'maxpool' || l.kind === 'avgpool') return { ...l };
    const [rows, cols] = l.kind === 'linear' ? [l.outFeatures, l.inFeatures] : [l.outChannels, l.inChannels * l.kernel[0] * l.kernel[1]];
    const tensor = (name: string, n: number): Float32Array => {
      const t = weights[name];
      if (t === undefined || t.length !== n) throw new UserError(`weights: '${name}' is missing or does not hold ${n} values (layer '${l.name}')`);
      return t;
    };
    const w = tensor(`${l.name}.weight`, rows * cols);
    let bias = l.kind === 'conv' && !l.hasBias ? new Float32Array(rows) : tensor(`${l.name}.bias`, rows).slice();
    const mask = masks[`${l.name}.weight`];
    if (mask !== undefined && mask.length !== w.length) throw new UserError(`mask for '${l.name}.weight' has ${mask.length} entries, expected ${w.length}`);
    // Inference-mode BatchNorm is a per-channel affine map: y = s·(conv + b - mean) + beta with
    // s = gamma / sqrt(var + eps), so it folds into the rows of W (zeros stay zeros) and b.
    let scale: Float32Array | null = null;
    if (l.kind === 'conv' && l.bn !== null) {
      const [gamma, beta, mean, variance] = ['gamma', 'beta', 'runningMean', 'runningVar'].map((k) => tensor(`${l.bn!.name}.${k}`, rows));
      scale = gamma.map((g, r) => g / Math.sqrt(variance[r] + l.bn!.eps));
      bias = bias.map((v, r) => (v - mean[r]) * scale![r] + beta[r]);
    }
    const pat = csrFromMask(mask ?? new Uint8Array(w.length).fill(1), rows, cols);
    const values = Float32Array.from(pat.index, (i) => (scale === null ? w[i] : w[i] * scale[Math.floor(i / cols)]));
    const csr = { rowPtr: pat.rowPtr, colIdx: pat.colIdx, values, bias };
    if (l.kind === 'linear') return { ...l, ...csr };
    const { hasBias: _h, bn: _b, ...conv } = l;
    return { ...conv, ...csr };
  });
}

/** Input shapes of the datasets whose runs predate `input_shape` in the weights' metadata. */
function knownInputShape(dataset: string): number[] | undefined {
  if (dataset === 'mnist' || dataset === 'fashion-mnist' || dataset.startsWith('idx:')) return [1, 28, 28];
  if (dataset === 'cifar10' || dataset.startsWith('cifar10:')) return [3, 32, 32];
  return undefined;
}

/** The sparse model of one trained network of a run (a RunStore, or a run directory in Node). */
export function sparseSpecFromRun(run: RunStore | string, o: ExportOptions): SparseModelSpec {
  const store = openRunStore(run);
  const text = store.getText(runKeys.config);
  if (text === undefined) throw new UserError(`${store.location} is not a run directory (no config.json)`);
  const cfg = resolveConfig(parseJson(text, store.where(runKeys.config)));
  const trial = o.trial ?? 0;
  const branch = (o.branch ?? 'ticket') as BranchName;
  const weightsKey = runKeys.weights(o.round, trial, branch);
  const weightsPath = store.where(weightsKey);
  if (!store.has(weightsKey)) throw new UserError(`no trained weights for round ${o.round}, trial ${trial}, branch ${branch}: ${weightsPath} does not exist (has that round finished?)`);
  const file = store.getTensors(weightsKey);
  const weights: Weights = Object.fromEntries(Object.entries(file.tensors).map(([k, t]) => [k, t.data as Float32Array]));
  const own = runKeys.branchMask(o.round, trial, branch);
  const maskKey = store.has(own) ? own : runKeys.mask(o.round, trial);
  const masks = store.has(maskKey) ? store.getMasks(maskKey) : {};
  // The architecture: build the model (cheaply, on the js backend) for the run's input shape.
  const matrices = Object.values(file.tensors).filter((t) => t.shape.length === 2);
  const conv = Object.values(file.tensors).some((t) => t.shape.length === 4);
  if (matrices.length === 0) throw new UserError(`${weightsPath} holds no weight matrices`);
  const meta = (key: string): unknown => {
    try {
      return file.metadata[key] === undefined ? undefined : JSON.parse(file.metadata[key]);
    } catch {
      throw new UserError(`${weightsPath}: metadata "${key}" is not JSON`);
    }
  };
  // Recorded by runs since model.lth/2; before, the last matrix (fc names sort in order) and the weights' shapes.
  const classes = (meta('num_classes') as number | undefined) ?? matrices[matrices.length - 1].shape[0];
  const recorded = meta('input_shape') as number[] | undefined;
  const inputShape = recorded ?? (conv ? knownInputShape(cfg.dataset) : [matrices[0].shape[1]]);
  if (inputShape === undefined) throw new UserError(`${weightsPath} does not record its input shape (a run from before lth recorded it) and dataset '${cfg.dataset}' has no known shape: run the round again to export it`);
  let model: Module;
  try {
    model = getModel(cfg.model).build(new JsBackend(), { inputShape, numClasses: classes, dropout: cfg.dropout, widthMultiplier: cfg.widthMultiplier });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot export model '${cfg.model}' for input [${inputShape.join(', ')}]: ${(e as Error).message}`);
  }
  const layers = sparseLayers(modelLayers(model, cfg.model), weights, masks);
  const spec: SparseModelSpec = {
    model: cfg.model, dataset: cfg.dataset, normalize: cfg.normalize ?? false, inputShape, numClasses: classes, layers,
    info: { run: store.location, round: String(o.round), trial: String(trial), branch },
  };
  spec.info.density = specDensity(spec).toPrecision(6);
  return spec;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${where}: invalid JSON (${(e as Error).message})`);
  }
}

/** model.lth bytes of one trained network of a run (a RunStore, or a run directory in Node; see format.ts). */
export function exportSparseModel(run: RunStore | string, o: ExportOptions): Uint8Array {
  return encodeSparseModel(sparseSpecFromRun(run, o));
}

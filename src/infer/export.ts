/**
 * Export of a trained ticket to model.lth: the run's mask and final weights for one round and
 * trial become CSR layers (format.ts). Only MLPs (Linear, ReLU, Dropout in Sequentials) are
 * exportable; convolutional models are not yet.
 */
import { JsBackend } from '../backend/js.ts';
import { resolveConfig } from '../experiment/config.ts';
import { readJsonIfExists } from '../experiment/io/atomic.ts';
import { loadSafetensors } from '../experiment/io/safetensors-file.ts';
import { RunDir, exists, loadMasks } from '../experiment/store.ts';
import { Dropout, Linear, ReLU, Sequential } from '../nn/layers.ts';
import { getModel } from '../nn/models.ts';
import type { Module } from '../nn/module.ts';
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

/** A Linear layer of an MLP in forward order: its name, shape and activation. */
export interface MlpLayer {
  name: string;
  inFeatures: number;
  outFeatures: number;
  relu: boolean;
}

/** The Linear layers of an MLP module tree; a UserError for any other kind of layer. */
export function mlpLayers(model: Module, modelName: string): MlpLayer[] {
  const out: MlpLayer[] = [];
  const walk = (m: Module): void => {
    if (m instanceof Sequential) for (const c of m.layers) walk(c);
    else if (m instanceof Linear) out.push({ name: m.name, inFeatures: m.inFeatures, outFeatures: m.outFeatures, relu: m.fuseRelu });
    else if (m instanceof ReLU && out.length > 0) out[out.length - 1].relu = true;
    else if (!(m instanceof Dropout)) throw new UserError(`cannot export model '${modelName}': only MLPs (Linear, ReLU, Dropout) are supported, found a ${m.constructor.name}`);
  };
  walk(model);
  if (out.length === 0) throw new UserError(`cannot export model '${modelName}': it has no Linear layers`);
  return out;
}

/** CSR layers from dense weights (`<name>.weight`, `<name>.bias`) and masks (all ones when absent). */
export function sparseLayers(layers: MlpLayer[], weights: Weights, masks: Masks): SparseLayerSpec[] {
  return layers.map((l) => {
    const w = weights[`${l.name}.weight`];
    const bias = weights[`${l.name}.bias`];
    if (w === undefined || w.length !== l.inFeatures * l.outFeatures || bias === undefined || bias.length !== l.outFeatures) {
      throw new UserError(`weights for layer '${l.name}' are missing or do not have shape [${l.outFeatures}, ${l.inFeatures}]`);
    }
    const mask = masks[`${l.name}.weight`];
    if (mask !== undefined && mask.length !== w.length) throw new UserError(`mask for '${l.name}.weight' has ${mask.length} entries, expected ${w.length}`);
    const rowPtr = new Int32Array(l.outFeatures + 1);
    const cols: number[] = [];
    const vals: number[] = [];
    for (let r = 0; r < l.outFeatures; r++) {
      for (let c = 0; c < l.inFeatures; c++) {
        const i = r * l.inFeatures + c;
        if (mask !== undefined && mask[i] === 0) continue;
        cols.push(c);
        vals.push(w[i]);
      }
      rowPtr[r + 1] = cols.length;
    }
    return { ...l, rowPtr, colIdx: Int32Array.from(cols), values: Float32Array.from(vals), bias: bias.slice() };
  });
}

/** The sparse model of one trained network of a run directory. */
export function sparseSpecFromRun(root: string, o: ExportOptions): SparseModelSpec {
  const dir = new RunDir(root);
  const raw = readJsonIfExists<unknown>(dir.config);
  if (raw === undefined) throw new UserError(`${root} is not a run directory (no config.json)`);
  const cfg = resolveConfig(raw);
  const trial = o.trial ?? 0;
  const branch = o.branch ?? 'ticket';
  const weightsPath = dir.finalWeights(o.round, trial, branch);
  if (!exists(weightsPath)) throw new UserError(`no trained weights for round ${o.round}, trial ${trial}, branch ${branch}: ${weightsPath} does not exist (has that round finished?)`);
  const file = loadSafetensors(weightsPath);
  const weights: Weights = Object.fromEntries(Object.entries(file.tensors).map(([k, t]) => [k, t.data as Float32Array]));
  const own = dir.branchMask(o.round, trial, branch);
  const maskPath = exists(own) ? own : dir.mask(o.round, trial);
  const masks = exists(maskPath) ? loadMasks(maskPath) : {};
  // The architecture: build the model (cheaply, on the js backend) for the weights' input size.
  const shapes = Object.values(file.tensors).filter((t) => t.shape.length === 2);
  if (shapes.length === 0) throw new UserError(`${weightsPath} holds no weight matrices`);
  const inputs = shapes[0].shape[1];
  const classes = shapes[shapes.length - 1].shape[0];
  let model: Module;
  try {
    model = getModel(cfg.model).build(new JsBackend(), { inputShape: [inputs], numClasses: classes, dropout: cfg.dropout, widthMultiplier: cfg.widthMultiplier });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot export model '${cfg.model}': only MLPs are supported (${(e as Error).message})`);
  }
  const layers = sparseLayers(mlpLayers(model, cfg.model), weights, masks);
  const spec: SparseModelSpec = {
    model: cfg.model, dataset: cfg.dataset, normalize: cfg.normalize ?? false, inputShape: [inputs], numClasses: classes, layers,
    info: { run: root, round: String(o.round), trial: String(trial), branch },
  };
  spec.info.density = specDensity(spec).toPrecision(6);
  return spec;
}

/** model.lth bytes of one trained network of a run directory (see format.ts). */
export function exportSparseModel(root: string, o: ExportOptions): Uint8Array {
  return encodeSparseModel(sparseSpecFromRun(root, o));
}

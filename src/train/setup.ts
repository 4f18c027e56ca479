import type { Backend } from '../backend/backend.ts';
import { OutOfMemoryError, mib } from '../backend/memory-error.ts';
import { UserError } from '../util/errors.ts';
import type { Dataset } from '../data/dataset.ts';
import { getModel } from '../nn/models.ts';
import { type Module, type Parameter, initParameters } from '../nn/module.ts';
import type { Rng } from '../util/rng.ts';
import type { TransformerShape } from '../nn/transformer.ts';

/** A built model: its module tree and its parameters in order. */
export interface Network {
  model: Module;
  params: Parameter[];
}

/**
 * Builds a registered model for a dataset's shapes and initialises it from `rng`. Parameters
 * that do not fit the backend's memory are a UserError naming the width to lower.
 */
export function buildNetwork(b: Backend, modelName: string, data: Dataset, rng: Rng, opts: { dropout?: number; widthMultiplier?: number; transformer?: TransformerShape } = {}): Network {
  let model: Module;
  try {
    model = getModel(modelName).build(b, { inputShape: data.inputShape, numClasses: data.numClasses, text: data.text, ...opts });
  } catch (err) {
    if (!(err instanceof OutOfMemoryError)) throw err;
    throw new UserError(`out of memory building model ${modelName} at width ${opts.widthMultiplier ?? 1}: its parameters need more than the ${mib(err.maxBytes)} of wasm memory; lower --width (config field widthMultiplier)`);
  }
  const params = model.parameters();
  initParameters(b, params, rng);
  return { model, params };
}

/** Frees every parameter buffer and mask of a network. */
export function disposeNetwork(b: Backend, net: Network): void {
  for (const p of net.params) {
    b.free(p.tensor.buf);
    if (p.tensor.grad !== null) b.free(p.tensor.grad);
    if (p.mask !== null) b.free(p.mask);
  }
}

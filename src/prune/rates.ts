import { UserError } from '../util/errors.ts';

/**
 * Per-layer pruning rates. Keys, most specific first: a parameter name ("fc1.weight"), a
 * layer name ("fc1"), "output" (the last prunable layer), a kind ("conv" for 4-D weights,
 * "fc" for 2-D), then "default". A rate is the fraction of the *remaining* weights removed
 * per round, in [0, 1); 0 leaves the layer dense.
 */
export type RateSpec = Record<string, number>;

/** The rate that applies to one prunable parameter. */
export function rateFor(spec: RateSpec, param: { name: string; shape: readonly number[] }, isOutput: boolean): number {
  const layer = param.name.replace(/\.weight$/, '');
  const kind = param.shape.length === 4 ? 'conv' : 'fc';
  const keys = [param.name, layer, ...(isOutput ? ['output'] : []), kind, 'default'];
  for (const k of keys) if (Object.hasOwn(spec, k)) return spec[k];
  throw new UserError(`pruning rates: no rate for '${param.name}' (give one of ${keys.map((k) => `"${k}"`).join(', ')})`);
}

/** Resolves a rate for every prunable parameter (in order; the last is the output layer). */
export function resolveRates(spec: RateSpec, params: { name: string; shape: readonly number[] }[]): Record<string, number> {
  const out: Record<string, number> = {};
  params.forEach((p, i) => {
    out[p.name] = rateFor(spec, p, i === params.length - 1);
  });
  return out;
}

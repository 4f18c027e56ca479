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

/** The keys a rate spec may use for these parameters: every name and layer, then the generic keys. */
export function validRateKeys(params: { name: string }[]): string[] {
  const names = params.flatMap((p) => [p.name, p.name.replace(/\.weight$/, '')]);
  return [...new Set([...names, 'output', 'conv', 'fc', 'default'])];
}

/**
 * Resolves a rate for every prunable parameter (in order; the last is the output layer). A key
 * that names no parameter or layer of this model (a typo such as "fc9") is a UserError naming
 * it at `path` with the valid keys: ignored, it would leave that layer at the default rate.
 */
export function resolveRates(spec: RateSpec, params: { name: string; shape: readonly number[] }[], path = 'pruning.rates'): Record<string, number> {
  const valid = validRateKeys(params);
  for (const k of Object.keys(spec)) {
    if (!valid.includes(k)) throw new UserError(`config field '${path}.${k}': no parameter or layer '${k}' in this model (valid keys: ${valid.join(', ')})`);
  }
  const out: Record<string, number> = {};
  params.forEach((p, i) => {
    out[p.name] = rateFor(spec, p, i === params.length - 1);
  });
  return out;
}

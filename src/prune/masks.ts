/** Binary masks by parameter name: 1 keeps a weight, 0 prunes it. Only prunable weights have one. */
export type Masks = Record<string, Uint8Array>;

/** Number of ones in a mask. */
export function countOnes(m: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < m.length; i++) c += m[i];
  return c;
}

/** Surviving and total weights over all masks. */
export function maskTotals(masks: Masks): { remaining: number; total: number } {
  let remaining = 0;
  let total = 0;
  for (const m of Object.values(masks)) {
    remaining += countOnes(m);
    total += m.length;
  }
  return { remaining, total };
}

/** Fraction of prunable weights that survive (1 for an empty set). */
export function density(masks: Masks): number {
  const { remaining, total } = maskTotals(masks);
  return total === 0 ? 1 : remaining / total;
}

/** All-ones masks for the given parameter sizes. */
export function fullMasks(sizes: Record<string, number>): Masks {
  const out: Masks = {};
  for (const [name, n] of Object.entries(sizes)) out[name] = new Uint8Array(n).fill(1);
  return out;
}

/** All-ones masks of the same parameters and sizes as `masks`. */
export function fullMasksLike(masks: Masks): Masks {
  return fullMasks(Object.fromEntries(Object.entries(masks).map(([k, m]) => [k, m.length])));
}

/** A deep copy. */
export function cloneMasks(masks: Masks): Masks {
  const out: Masks = {};
  for (const [name, m] of Object.entries(masks)) out[name] = m.slice();
  return out;
}

/** Masks as float 0/1 arrays (what the backends multiply by). */
export function maskToFloat(m: Uint8Array): Float32Array {
  const f = new Float32Array(m.length);
  for (let i = 0; i < m.length; i++) f[i] = m[i];
  return f;
}

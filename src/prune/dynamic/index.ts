/** Dynamic sparse training: mask-rewiring strategies applied between training steps. */
export { type MaskChange, type Rewirer, type Rewiring } from './rewirer.ts';
export { PruneRegrow, type GrowRule, type PruneRegrowOptions } from './prune-regrow.ts';
export { type SetOptions, setRewirer } from './set.ts';
export { type RiglOptions, cosineFraction, riglRewirer } from './rigl.ts';
export { type DeepROptions, deepRRewirer } from './deep-r.ts';

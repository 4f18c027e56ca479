/**
 * Bounds shared by the config schema, the flags and the branches' own config sections. Kept
 * apart from config.ts so that a branch file can use them without importing config.ts at run
 * time (config.ts imports the branch registry: that import would be a cycle).
 */

/** Most training iterations a config or flag may ask for: beyond it a round would run for days. */
export const MAX_ITERATIONS = 100_000_000;
/** Largest seed: seeds are 32-bit (the generator folds larger ones onto smaller ones). */
export const MAX_SEED = 2 ** 32 - 1;

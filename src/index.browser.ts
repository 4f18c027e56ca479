/**
 * The package root under a bundler's `browser` condition: lib/core.ts, the host-neutral part.
 * The runner, pieces, report and export work on a MemoryStore (or any RunStore); datasets other
 * than `synthetic` are fetched by the page and passed in (`runExperiment(cfg, store, { data })`).
 */
export * from './lib/core.ts';

/**
 * The package root under a bundler's `browser` condition: lib/core.ts, the host-neutral part.
 * The runner, dataset loading from files and run export read and write files (node:fs) and are
 * Node-only until the run store (issue 12) puts them behind an interface.
 */
export * from './lib/core.ts';
export type { RunEvent } from './experiment/runner.ts';

/** The messages between the page (main.ts) and the experiment worker (worker.ts). */
import type { BranchName } from '../experiment/config.ts';
import type { RunEvent } from '../experiment/runner.ts';
import type { Summary } from '../experiment/report/types.ts';

/** Backends the page offers. */
export type WebBackendName = 'wasm' | 'tfjs-wasm' | 'tfjs-webgl';

/** What the form asks for: a preset with the settings a tab overrides (experiment.ts webConfig). */
export interface RunSettings {
  backend: WebBackendName;
  /** A preset of webPresets(). */
  preset: string;
  /** The branches to train (the ticket always runs). */
  branches: BranchName[];
  /** Multiplies the hidden widths (1 = the preset's network at full width). */
  widthMultiplier: number;
  dataset: 'mnist-embedded';
  rounds: number;
  iterations: number;
  /** Evaluations per trained piece, evenly spaced (the last at the final iteration). */
  evaluations: number;
  trials: number;
  seed: number;
}

/** Page -> worker: start one experiment. */
export interface RunRequest extends RunSettings {
  type: 'run';
}

/** A file the page offers for download, read from the run's memory store. */
export interface WebFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

/** Worker -> page. */
export type WorkerMessage =
  | { type: 'status'; text: string }
  | { type: 'backend'; name: string; device: string }
  /** The runner's progress (iteration events thinned out); `totalIterations` per piece. */
  | { type: 'event'; event: RunEvent; totalIterations: number }
  | { type: 'done'; summary: Summary; files: WebFile[] }
  | { type: 'error'; message: string };

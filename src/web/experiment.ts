/**
 * The experiments a browser tab runs: the presets whose data a tab has (the embedded MNIST),
 * every registered branch, and the form's settings turned into an ordinary ExperimentConfig
 * that the real runner (experiment/runner.ts) runs into a MemoryStore. Shared by the page (its
 * form), the worker (the run) and the Node tests (the same run, compared with the page's).
 */
import { checkSplits } from '../data/check-splits.ts';
import type { Dataset } from '../data/dataset.ts';
import { buildEmbeddedMnist } from '../data/mnist-embedded.ts';
import { normalizeAs } from '../data/normalize.ts';
import { branchList } from '../experiment/branches/registry.ts';
import type { BranchName, ExperimentConfig } from '../experiment/config.ts';
import { encodeSafetensors } from '../experiment/io/safetensors.ts';
import { datasetOptions } from '../experiment/pieces.ts';
import { presetConfig, presets } from '../experiment/presets.ts';
import { runKeys } from '../experiment/store/keys.ts';
import type { RunStore } from '../experiment/store/run-store.ts';
import { exportSparseModel } from '../infer/export.ts';
import { UserError } from '../util/errors.ts';
import type { RunSettings, WebFile } from './protocol.ts';

/** Datasets a tab has: the embedded MNIST, whose digit files the page serves. */
const TAB_DATASETS = new Set(['mnist']);
/** A preset's rounds and iterations as the form first shows them: small enough for a tab. */
export const TAB_LIMITS = { rounds: 3, iterations: 1000 };

/** A preset the page offers, with the form's first values for it. */
export interface WebPreset {
  name: string;
  description: string;
  model: string;
  widthMultiplier: number;
  branches: BranchName[];
  /** The preset's rounds and iterations, capped at TAB_LIMITS (the user may raise them). */
  rounds: number;
  iterations: number;
}

/** Every preset whose dataset a tab has, in the preset list's order. */
export function webPresets(): WebPreset[] {
  return Object.entries(presets).flatMap(([name, p]): WebPreset[] => {
    const c = presetConfig(name);
    if (!TAB_DATASETS.has(c.dataset)) return [];
    return [{
      name, description: p.description, model: c.model, widthMultiplier: c.widthMultiplier, branches: c.branches,
      rounds: Math.min(c.pruning.rounds, TAB_LIMITS.rounds), iterations: Math.min(c.iterations, TAB_LIMITS.iterations),
    }];
  });
}

/** A branch the page offers as a checkbox. */
export interface WebBranch {
  name: BranchName;
  label: string;
  description: string;
}

/** Every registered branch: each trains any network a tab preset builds. */
export function webBranches(): WebBranch[] {
  return branchList.map((b) => ({ name: b.name, label: b.label, description: b.description }));
}

/**
 * The config a tab runs: the preset with the form's backend, width, rounds, iterations,
 * evaluations, branches, trials and seed on top. Only our wasm kernels have a sparse path worth
 * measuring ('auto'): tfjs's CSR ops gather on the CPU side, and on WebGL a wall-clock timing
 * sees only the queued draw calls, so tfjs backends train dense.
 */
export function webConfig(s: RunSettings): ExperimentConfig {
  const base = presetConfig(s.preset);
  if (!TAB_DATASETS.has(base.dataset)) {
    throw new UserError(`preset '${s.preset}' trains on '${base.dataset}', which a tab does not have; expected one of ${webPresets().map((p) => p.name).join(', ')}`);
  }
  return presetConfig(s.preset, {
    backend: s.backend,
    widthMultiplier: s.widthMultiplier,
    iterations: s.iterations,
    evalEvery: Math.max(1, Math.ceil(s.iterations / Math.max(1, s.evaluations))),
    pruning: { rounds: s.rounds },
    branches: s.branches,
    trials: s.trials,
    seed: s.seed,
    kernels: s.backend === 'wasm' ? 'auto' : 'dense',
    // a preset's fine-tuning schedule longer than the tab's iterations follows the tab's
    ...(base.fineTune.iterations > s.iterations ? { fineTune: { iterations: 0 } } : {}),
  });
}

/** The embedded MNIST built from the ten fetched digit files as `cfg` loads it in Node. */
export function embeddedMnistFor(cfg: ExperimentConfig, digits: readonly Float32Array[]): Dataset {
  return checkSplits('mnist', normalizeAs(buildEmbeddedMnist(digits, datasetOptions(cfg).splitSeed), cfg.normalize));
}

/**
 * What the page offers for download once a run is done, read from its store: summary.json,
 * metrics.jsonl, config.json, report.html (when written), and trial 0's last trained ticket as
 * its mask (masks.safetensors) and as an exported sparse model (model.lth).
 */
export function webDownloads(store: RunStore, cfg: ExperimentConfig): WebFile[] {
  const utf8 = new TextEncoder();
  const files: WebFile[] = [];
  const text = (name: string, key: Parameters<RunStore['getText']>[0], type: string): void => {
    const t = store.getText(key);
    if (t !== undefined) files.push({ name, type, bytes: utf8.encode(t) });
  };
  text('summary.json', runKeys.summary, 'application/json');
  text('metrics.jsonl', runKeys.metrics, 'application/jsonl');
  text('config.json', runKeys.config, 'application/json');
  text('report.html', runKeys.report('report.html'), 'text/html');
  let last = cfg.pruning.rounds;
  while (last >= 0 && !store.has(runKeys.weights(last, 0, 'ticket'))) last--;
  if (last >= 0) {
    // the stored mask, with metadata saying which network it prunes
    const mask = store.getTensors(runKeys.mask(last, 0));
    const bytes = encodeSafetensors(mask.tensors, { model: cfg.model, widthMultiplier: String(cfg.widthMultiplier), backend: cfg.backend, round: String(last) });
    files.push({ name: 'masks.safetensors', type: 'application/octet-stream', bytes });
    files.push({ name: 'model.lth', type: 'application/octet-stream', bytes: exportSparseModel(store, { round: last }) });
  }
  return files;
}

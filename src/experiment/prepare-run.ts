/**
 * The start of a run: every check that can fail on the user's config (saved config, model,
 * dataset, backend, network for the data's shape, rates, batch size) runs before anything is
 * written, so a failed start leaves its store as it was and a corrected rerun can use it.
 */
import { UserError } from '../util/errors.ts';
import type { ExperimentConfig } from './config.ts';
import { configDifferences, describeDifferences } from './config-diff.ts';
import { type EnvInputs, type PieceEnv, createPieceEnv } from './piece-env.ts';
import { runKeys } from './store/keys.ts';
import type { RunStore } from './store/run-store.ts';

/** Config fields that do not change results, so a saved run resumes whatever they say. */
const RUNTIME_FIELDS = new Set(['threads']);

/**
 * Checks `cfg` against the run in `store` and builds the environment its pieces run in; only
 * then writes config.json (when the run is new). Throws a UserError, having written nothing,
 * when the store holds another config (naming the fields that differ) or the config cannot run.
 */
export async function prepareRun(cfg: ExperimentConfig, store: RunStore, inputs: EnvInputs = {}): Promise<PieceEnv> {
  const saved = readSavedConfig(store);
  if (saved !== undefined) {
    // threads only says how fast (results are bit-identical for any count): a run resumes with any.
    const diffs = configDifferences(saved, JSON.parse(JSON.stringify(cfg))).filter((d) => !RUNTIME_FIELDS.has(d.path));
    if (diffs.length > 0) {
      throw new UserError(`${store.where(runKeys.config)} holds a different config: ${describeDifferences(diffs)}; resume with the same settings, or pass another --out directory`);
    }
  }
  const env = await createPieceEnv(cfg, inputs);
  // The first write: everything above has passed.
  if (saved === undefined) store.putJson(runKeys.config, cfg);
  return env;
}

/** The config a run was started with (a JSON object), or undefined for a new run. */
export function readSavedConfig(store: RunStore): Record<string, unknown> | undefined {
  const text = store.getText(runKeys.config);
  if (text === undefined) return undefined;
  const where = store.where(runKeys.config);
  const fix = 'it cannot tell which settings the run used: move it away to start the run over, or pass another --out directory';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${where} is not valid JSON (${(e as Error).message}); ${fix}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UserError(`${where} does not hold a config object; ${fix}`);
  return raw as Record<string, unknown>;
}

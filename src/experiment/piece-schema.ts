/**
 * Reading a piece's result file back: the JSON must be a whole PieceResult of the piece it is
 * filed under, or the piece is not done (the runner moves the file aside and recomputes it).
 */
import type { BranchName } from './config.ts';
import { CorruptFileError } from './io/corrupt.ts';
import type { PieceResult } from './pieces.ts';

/** Which piece a result file belongs to. */
export interface PieceId {
  round: number;
  trial: number;
  branch: BranchName;
}

/**
 * The result of piece `id` from its file's text (`where` names it). Throws a CorruptFileError
 * naming the file and the first bad field when it is empty, truncated, not JSON, of the wrong
 * types, or filed under another piece. NaN losses (written as null) read back as NaN.
 */
export function parseResultText(text: string, where: string, id: PieceId): PieceResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CorruptFileError(where, text.trim() === '' ? 'empty file' : `invalid JSON (${(e as Error).message})`);
  }
  return parsePieceResult(raw, where, id);
}

/** Checks the types of a parsed result (see parseResultText). */
export function parsePieceResult(raw: unknown, path: string, id: PieceId): PieceResult {
  const bad = (why: string): never => {
    throw new CorruptFileError(path, why);
  };
  const o = obj(raw, 'the result', bad);
  const int = (k: string): number => (Number.isSafeInteger(o[k]) && (o[k] as number) >= 0 ? (o[k] as number) : bad(`field '${k}': expected a non-negative integer, got ${show(o[k])}`));
  if (int('round') !== id.round || int('trial') !== id.trial || o.branch !== id.branch) {
    bad(`holds round ${show(o.round)} trial ${show(o.trial)} branch ${show(o.branch)}, expected round ${id.round} trial ${id.trial} branch ${id.branch}`);
  }
  int('seed');
  int('earlyStopIteration');
  const remaining = measured(o, 'weightsRemaining', '', bad);
  if (!(remaining >= 0 && remaining <= 1)) bad(`field 'weightsRemaining': expected a fraction in [0, 1], got ${show(o.weightsRemaining)}`);
  const out = { ...o } as unknown as PieceResult;
  out.testAccuracyAtEarlyStop = measured(o, 'testAccuracyAtEarlyStop', '', bad);
  out.valLossAtEarlyStop = measured(o, 'valLossAtEarlyStop', '', bad);
  out.finalTestAccuracy = measured(o, 'finalTestAccuracy', '', bad);
  out.wallSeconds = measured(o, 'wallSeconds', '', bad);
  out.stepsPerSecond = measured(o, 'stepsPerSecond', '', bad);
  if (!Array.isArray(o.evals)) bad(`field 'evals': expected an array, got ${show(o.evals)}`);
  out.evals = (o.evals as unknown[]).map((e, i) => {
    const r = obj(e, `evals[${i}]`, bad);
    if (!Number.isSafeInteger(r.iteration)) bad(`field 'evals[${i}].iteration': expected an integer, got ${show(r.iteration)}`);
    const m = (k: string) => measured(r, k, `evals[${i}].`, bad);
    return { iteration: r.iteration as number, trainLoss: m('trainLoss'), valLoss: m('valLoss'), valAccuracy: m('valAccuracy'), testLoss: m('testLoss'), testAccuracy: m('testAccuracy') };
  });
  obj(o.kernels, "field 'kernels'", bad);
  if (o.extras !== undefined) obj(o.extras, "field 'extras'", bad);
  if (o.diverged !== undefined) {
    const d = obj(o.diverged, "field 'diverged'", bad);
    if (!Number.isSafeInteger(d.iteration) || typeof d.loss !== 'string') bad(`field 'diverged': expected { iteration: integer, loss: string }, got ${show(o.diverged)}`);
  }
  return out;
}

function obj(x: unknown, what: string, bad: (why: string) => never): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) bad(`${what}: expected an object, got ${show(x)}`);
  return x as Record<string, unknown>;
}

// A measured number: JSON writes NaN and Infinity as null, so null reads back as NaN.
function measured(o: Record<string, unknown>, key: string, prefix: string, bad: (why: string) => never): number {
  const v = o[key];
  if (v === null) return NaN;
  if (typeof v !== 'number') bad(`field '${prefix}${key}': expected a number, got ${show(v)}`);
  return v as number;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

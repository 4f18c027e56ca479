/**
 * Node file reader for MNIST-style IDX directories: finds the four files (plain or `.gz`),
 * gunzips by content (the 1f 8b magic, not the name), and hands the bytes to idx-dataset.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../util/errors.ts';
import type { Dataset } from './dataset.ts';
import { isGzip } from './idx.ts';
import { buildIdxDataset, IDX_FILES, type IdxBytes, type IdxRole } from './idx-dataset.ts';

/** "train-images-idx3-ubyte[.gz], ..." for error messages. */
export const IDX_EXPECTED_FILES = Object.values(IDX_FILES)
  .map((f) => `${f}[.gz]`)
  .join(', ');

/** Path of the file `base` or `base.gz` in `dir` (plain preferred); a UserError when neither exists. */
export function findIdxFile(dir: string, base: string): string {
  for (const candidate of [join(dir, base), join(dir, base + '.gz')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new UserError(
    `missing IDX file ${join(dir, base)}[.gz]; the directory ${dir} should hold ${IDX_EXPECTED_FILES}`,
  );
}

/** Reads a file and gunzips it when its content starts with the gzip magic. */
export function readMaybeGzip(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`${path}: cannot read: ${(e as Error).message}`);
  }
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (e) {
    throw new UserError(`${path}: corrupt or truncated gzip data: ${(e as Error).message}`);
  }
}

/**
 * Loads an MNIST-style directory: train file -> train + validation, t10k -> test. `splitSeed`
 * draws the validation examples (see buildIdxDataset); without it the split is fixed.
 */
export function loadIdxDataset(dir: string, name: string, splitSeed?: number): Dataset {
  if (!existsSync(dir)) {
    throw new UserError(`IDX directory ${dir} does not exist; it should hold ${IDX_EXPECTED_FILES}`);
  }
  const roles = Object.keys(IDX_FILES) as IdxRole[];
  // Find all four before reading any, so a missing file is reported without a slow parse first.
  const paths = roles.map((role) => findIdxFile(dir, IDX_FILES[role]));
  const files = {} as IdxBytes;
  roles.forEach((role, i) => (files[role] = { bytes: readMaybeGzip(paths[i]), file: paths[i] }));
  return buildIdxDataset(name, files, splitSeed);
}

/**
 * Node file reader for the CIFAR-10 binary directory (`cifar-10-batches-bin`, as extracted from
 * cifar-10-binary.tar.gz): checks that all six files exist, reads them, and hands the bytes to
 * the pure builder in cifar.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors.ts';
import { buildCifar10Dataset, CIFAR10_FILES, type CifarFileBytes } from './cifar.ts';
import type { Dataset } from './dataset.ts';

/** The directory name inside the official tarball; also the default place to look. */
export const CIFAR10_DIR_NAME = 'cifar-10-batches-bin';

/** "data_batch_1.bin, ..., test_batch.bin (3073-byte records)" for error messages. */
export const CIFAR10_EXPECTED_LAYOUT =
  `${[...CIFAR10_FILES.train, CIFAR10_FILES.test].join(', ')} ` +
  `(binary version from cifar-10-binary.tar.gz: 3073-byte records, 10,000 per file)`;

/** Paths of the six required files in `dir`, train files first, test last. */
export function cifar10Paths(dir: string): { train: string[]; test: string } {
  return { train: CIFAR10_FILES.train.map((f) => join(dir, f)), test: join(dir, CIFAR10_FILES.test) };
}

/** Whether `dir` holds all six CIFAR-10 files (existence only; contents are checked on load). */
export function hasCifar10Files(dir: string): boolean {
  const p = cifar10Paths(dir);
  return [...p.train, p.test].every((f) => existsSync(f));
}

/** A hint for the common mistake of pointing at the tarball's parent directory. */
function nestedHint(dir: string): string {
  return existsSync(join(dir, CIFAR10_DIR_NAME)) ? `; did you mean ${join(dir, CIFAR10_DIR_NAME)}?` : '';
}

function readBytes(path: string): CifarFileBytes {
  try {
    return { bytes: readFileSync(path), file: path };
  } catch (e) {
    throw new UserError(`${path}: cannot read: ${(e as Error).message}`);
  }
}

/**
 * Loads a CIFAR-10 binary directory: data_batch_1..5 -> train + validation, test_batch -> test.
 * A missing directory or file is a UserError naming it and the expected layout. `name` becomes
 * `Dataset.name` (default `cifar10:<dir>`); `splitSeed` draws the validation records (see
 * buildCifar10Dataset).
 */
export function loadCifar10(dir: string, name = `cifar10:${dir}`, splitSeed?: number): Dataset {
  if (!existsSync(dir)) {
    throw new UserError(`CIFAR-10 directory ${dir} does not exist; it should hold ${CIFAR10_EXPECTED_LAYOUT}`);
  }
  const paths = cifar10Paths(dir);
  // Check all six before reading any, so a missing file is reported without a slow read first.
  const missing = [...paths.train, paths.test].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new UserError(
      `missing CIFAR-10 file${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ` +
        `the directory ${dir} should hold ${CIFAR10_EXPECTED_LAYOUT}${nestedHint(dir)}`,
    );
  }
  return buildCifar10Dataset(name, paths.train.map(readBytes), readBytes(paths.test), splitSeed);
}

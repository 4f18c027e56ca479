/**
 * File-system errors of the CLI's outputs as one-line UserErrors: `--out` pointing at a
 * directory, a read-only or missing place, a file where a directory should be. Node's own
 * messages ("EISDIR: illegal operation on a directory, rename '.x.123.tmp' -> ...") name the
 * temp file and no fix, and reach the user as a stack trace.
 */
import { type Stats, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { UserError } from '../util/errors.ts';

// What each error code means for the path it names, in words.
const PROBLEMS: Record<string, string> = {
  EISDIR: 'is a directory',
  ENOENT: 'does not exist',
  ENOTDIR: 'has a file where a folder should be',
  EEXIST: 'already exists',
  EACCES: 'is not accessible: permission denied',
  EPERM: 'is not writable: operation not permitted',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'cannot be written: no space left on the device',
  EDQUOT: 'cannot be written: disk quota exceeded',
  ENAMETOOLONG: 'is too long a path',
};

/** A Node file-system error with a code the CLI explains, or undefined. */
export function fsErrorOf(e: unknown): (NodeJS.ErrnoException & { code: string }) | undefined {
  const err = e as NodeJS.ErrnoException | null;
  return err instanceof Error && typeof err.code === 'string' && Object.hasOwn(PROBLEMS, err.code) ? (err as NodeJS.ErrnoException & { code: string }) : undefined;
}

/** One line for an fs error: the path it names (or `subject`), what is wrong with it, the code. */
export function describeFsError(e: NodeJS.ErrnoException & { code: string }, subject = e.path ?? 'a file'): string {
  return `${subject} ${PROBLEMS[e.code]} (${e.code} on ${e.syscall ?? 'access'})`;
}

// Whether two paths name the same place.
function same(a: string, b: string): boolean {
  return resolve(a) === resolve(b);
}

// Whether `p` is `root` or inside it.
function within(root: string, p: string): boolean {
  const r = relative(resolve(root), resolve(p));
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * Runs `fn`, turning a file-system error on a path in `scope` (or on a folder above it) into a
 * UserError that names the flag, its path and what is wrong. Other errors pass through. `scope`
 * is the output itself, or for a file written through a temp file beside it, its folder.
 */
export async function withOutput<T>(flag: string, path: string, fn: () => Promise<T> | T, scope = path): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const fe = fsErrorOf(e);
    const at = fe?.path;
    if (fe === undefined || at === undefined || !(within(scope, at) || within(at, scope))) throw e;
    // a temp file beside the output: the user knows the folder, not the temp file's name
    const subject = same(at, path) ? 'it' : scope !== path && same(dirname(resolve(at)), scope) ? `its folder ${scope}` : at;
    throw new UserError(`${flag} ${path}: ${describeFsError(fe, subject)}; give a writable location`);
  }
}

// The stat of a flag's path, undefined when it does not exist; a path through a file is a UserError.
function statOf(flag: string, path: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    const fe = fsErrorOf(e);
    if (fe !== undefined) throw new UserError(`${flag} ${path}: ${describeFsError(fe, fe.path !== undefined && same(fe.path, path) ? 'its path' : fe.path)}`);
    throw e;
  }
}

/** Checks an output directory flag before anything is written: not empty, not an existing file. */
export function checkOutDir(flag: string, path: string): void {
  if (path.trim() === '') throw new UserError(`${flag}: expected a directory path, got an empty string`);
  const st = statOf(flag, path);
  if (st !== undefined && !st.isDirectory()) throw new UserError(`${flag} ${path}: is a file, not a directory; give a new directory or an existing run directory`);
}

/** Checks an output file flag before anything is written: not empty, not an existing directory. */
export function checkOutFile(flag: string, path: string, example: string): void {
  if (path.trim() === '') throw new UserError(`${flag}: expected a file path, got an empty string (e.g. ${flag} ${example})`);
  const st = statOf(flag, path);
  if (st?.isDirectory()) throw new UserError(`${flag} ${path}: is a directory; give a file path, e.g. ${flag} ${resolve(path, example)}`);
}

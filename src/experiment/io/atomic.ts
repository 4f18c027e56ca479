/**
 * Durable file writes for run directories: whole files are replaced atomically (temp file in
 * the same directory, fsync, rename), and metrics are appended one JSON line at a time.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../../util/errors.ts';
import { parseJsonl } from './jsonl.ts';

/**
 * Writes `data` to `path` so that readers see either the old file or the whole new one, never a
 * part. Creates missing parent directories. A failed write leaves no temp file behind.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  // Same directory as the target: rename is only atomic within one file system.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const fd = openSync(tmp, 'wx');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      writeAll(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    renamed = true;
    fsyncDir(dir);
  } finally {
    if (!renamed) rmSync(tmp, { force: true });
  }
}

/** Writes `obj` as pretty JSON (2-space indent, trailing newline) with {@link writeFileAtomic}. */
export function writeJsonAtomic(path: string, obj: unknown): void {
  writeFileAtomic(path, JSON.stringify(obj, null, 2) + '\n');
}

/**
 * Appends `obj` as one JSON line to `path` (created with its directory if missing) and fsyncs.
 * A line counts as written once its newline is on disk: a torn final line left by a crash is
 * cut off before appending, so it never glues onto the next record.
 */
export function appendJsonl(path: string, obj: unknown): void {
  const line = JSON.stringify(obj);
  if (line === undefined) throw new Error(`appendJsonl: value is not JSON-serializable (${typeof obj})`);
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a+');
  try {
    dropTornTail(fd);
    // One write call for line and newline: a crash tears at most this record.
    writeAll(fd, Buffer.from(line + '\n', 'utf8'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a JSON-lines file written by {@link appendJsonl}. Blank lines are ignored; a final line
 * without its newline (torn by a crash) is skipped. Throws a UserError naming the file if it is
 * missing, or the file and line number if a complete line is not valid JSON.
 */
export function readJsonl<T = unknown>(path: string): T[] {
  return parseJsonl<T>(readText(path), path);
}

/**
 * Parses the JSON file at `path`, or returns `undefined` if it does not exist. Throws a UserError
 * naming the file if it is not valid JSON.
 */
export function readJsonIfExists<T = unknown>(path: string): T | undefined {
  if (!existsSync(path)) return undefined;
  const text = readText(path);
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new UserError(`${path}: invalid JSON (${(e as Error).message})`);
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`file not found: ${path}`);
    throw e;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Truncates the file back to just after its last newline, if it does not end with one. */
function dropTornTail(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const chunk = Buffer.alloc(4096);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const nl = chunk.subarray(0, n).lastIndexOf(0x0a);
    if (nl >= 0) {
      const keep = start + nl + 1;
      if (keep !== size) ftruncateSync(fd, keep);
      return;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
}

/** Makes the rename itself durable; not supported on every platform, so best effort. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

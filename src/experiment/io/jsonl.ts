/** JSON lines text (metrics.jsonl), parsed without a file system. */
import { UserError } from '../../util/errors.ts';

/**
 * The records of JSON-lines `text`; `where` names it in errors. Blank lines are ignored; a
 * final line without its newline (torn by a crash) is skipped; a complete line that is not
 * valid JSON is a UserError naming `where` and the line number.
 */
export function parseJsonl<T = unknown>(text: string, where: string): T[] {
  const lines = text.split('\n');
  // The segment after the last newline is empty for a clean file, or a torn record.
  lines.pop();
  const out: T[] = [];
  lines.forEach((raw, i) => {
    const l = raw.trim();
    if (l === '') return;
    try {
      out.push(JSON.parse(l) as T);
    } catch (e) {
      throw new UserError(`${where}:${i + 1}: invalid JSON line (${(e as Error).message})`);
    }
  });
  return out;
}

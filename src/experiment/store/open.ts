/** A run store from what a caller passes: a store as is, or a directory path (Node only). */
import { platform } from '#platform';
import type { RunStore } from './run-store.ts';

/** `where` itself, or the file store of the directory `where` (a UserError in a browser). */
export function openRunStore(where: RunStore | string): RunStore {
  return typeof where === 'string' ? platform.openRunStore(where) : where;
}

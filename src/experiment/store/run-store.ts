/**
 * The run store: the one interface through which a run reads and writes its state (config,
 * rewind weights, masks, trained weights, piece results, kernel plan, summary, metrics, report
 * files). The runner, the pieces, the results and the report sit above it and never touch a
 * file system: a directory (fs-store.ts, Node) and memory (memory-store.ts) are two
 * implementations of the same methods.
 */
import type { Masks } from '../../prune/masks.ts';
import type { Weights } from '../../train/state.ts';
import type { SafetensorsFile } from '../io/safetensors.ts';
import type { ExpectedShapes } from '../io/tensor-check.ts';
import type { PieceId } from '../piece-schema.ts';
import type { PieceResult } from '../pieces.ts';
import type { MaskKey, RunKey, TextKey, WeightsKey } from './keys.ts';

/**
 * Everything a run reads and writes, by typed key. Reads validate what they return: an entry
 * that is there but invalid (or, for tensors, absent) is a CorruptFileError naming it and its
 * key. Writes replace an entry whole: a reader sees the old value or the new, never a part.
 */
export interface RunStore {
  /** Where the run lives, for messages: its directory, or `memory:<name>`. */
  readonly location: string;
  /** Where one entry lives, for messages and events (its file path on disk). */
  where(key: RunKey): string;
  /** Whether the entry exists (valid or not). */
  has(key: RunKey): boolean;
  /** A text entry, or undefined when absent (parsing it is the reader's: config, summary, plan). */
  getText(key: TextKey): string | undefined;
  putText(key: TextKey, text: string): void;
  /** Writes `value` as pretty JSON (2-space indent, trailing newline). */
  putJson(key: TextKey, value: unknown): void;
  /** A piece's result, or undefined when the piece is not done; invalid: CorruptFileError. */
  getResult(id: PieceId): PieceResult | undefined;
  putResult(result: PieceResult): void;
  /** A mask or weights entry as decoded tensors with metadata (unchecked; absent: CorruptFileError). */
  getTensors(key: MaskKey | WeightsKey): SafetensorsFile;
  /** Masks; with `expect` exactly those tensors of those shapes, values 0 or 1. */
  getMasks(key: MaskKey, expect?: ExpectedShapes): Masks;
  putMasks(key: MaskKey, masks: Masks, shapes: ExpectedShapes): void;
  /** Weights; with `expect` exactly those tensors of those shapes, finite. */
  getWeights(key: WeightsKey, expect?: ExpectedShapes): Weights;
  putWeights(key: WeightsKey, weights: Weights, shapes: ExpectedShapes, metadata?: Record<string, string>): void;
  /**
   * Sets an invalid entry aside (on disk `<file>.corrupt`, `.corrupt.2`, ...: never overwriting
   * earlier evidence) so that it reads as absent; returns where it went.
   */
  quarantine(key: RunKey): string;
  /**
   * Runs `fn` (a read-modify-write of `key`) while no other process sharing the store runs one
   * on the same key; stores only one process uses may just call `fn`.
   */
  exclusive<T>(key: RunKey, fn: () => T): T;
}

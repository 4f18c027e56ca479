/**
 * The typed half of every RunStore, written once over four byte-level primitives (read, write,
 * quarantine, where): encoding (JSON, safetensors) and the checks on what is read back live
 * here, so a file store, a memory store, or a future remote one only moves bytes.
 */
import type { Masks } from '../../prune/masks.ts';
import type { Weights } from '../../train/state.ts';
import { CorruptFileError } from '../io/corrupt.ts';
import type { SafetensorsFile } from '../io/safetensors.ts';
import type { ExpectedShapes } from '../io/tensor-check.ts';
import { type PieceId, parseResultText } from '../piece-schema.ts';
import type { PieceResult } from '../pieces.ts';
import { type MaskKey, type RunKey, type TextKey, type WeightsKey, runKeys } from './keys.ts';
import type { RunStore } from './run-store.ts';
import { decodeEntry, encodeMasks, encodeWeights, tensorsOf } from './tensors.ts';

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** A RunStore over bytes: subclasses say where the bytes of an entry live. */
export abstract class ByteStore implements RunStore {
  abstract readonly location: string;
  abstract where(key: RunKey): string;
  /** The entry's bytes, or undefined when it is absent. */
  abstract read(key: RunKey): Uint8Array | undefined;
  /** Replaces the entry whole, atomically. */
  abstract write(key: RunKey, bytes: Uint8Array): void;
  abstract quarantine(key: RunKey): string;

  // One process (the memory store): nothing else writes meanwhile.
  exclusive<T>(_key: RunKey, fn: () => T): T {
    return fn();
  }

  has(key: RunKey): boolean {
    return this.read(key) !== undefined;
  }

  getText(key: TextKey): string | undefined {
    const bytes = this.read(key);
    return bytes === undefined ? undefined : text.decode(bytes);
  }

  putText(key: TextKey, value: string): void {
    this.write(key, utf8.encode(value));
  }

  putJson(key: TextKey, value: unknown): void {
    this.putText(key, JSON.stringify(value, null, 2) + '\n');
  }

  getResult(id: PieceId): PieceResult | undefined {
    const key = runKeys.result(id.round, id.trial, id.branch);
    const bytes = this.read(key);
    if (bytes === undefined) return undefined;
    try {
      return parseResultText(text.decode(bytes), this.where(key), id);
    } catch (e) {
      if (e instanceof CorruptFileError) throw new CorruptFileError(e.path, e.reason, false, key);
      throw e;
    }
  }

  putResult(result: PieceResult): void {
    const key = runKeys.result(result.round, result.trial, result.branch);
    this.write(key, utf8.encode(JSON.stringify(result, null, 2) + '\n'));
  }

  getTensors(key: MaskKey | WeightsKey): SafetensorsFile {
    return decodeEntry(this.read(key), this.where(key), key);
  }

  getMasks(key: MaskKey, expect?: ExpectedShapes): Masks {
    return tensorsOf(this.getTensors(key), 'mask', this.where(key), expect, key);
  }

  putMasks(key: MaskKey, masks: Masks, shapes: ExpectedShapes): void {
    this.write(key, encodeMasks(masks, shapes));
  }

  getWeights(key: WeightsKey, expect?: ExpectedShapes): Weights {
    return tensorsOf(this.getTensors(key), 'weights', this.where(key), expect, key);
  }

  putWeights(key: WeightsKey, weights: Weights, shapes: ExpectedShapes, metadata: Record<string, string> = {}): void {
    this.write(key, encodeWeights(weights, shapes, metadata));
  }
}

/** Reading and writing safetensors files (Node); the format itself is in safetensors.ts (no Node built-ins). */
import { readFileSync } from 'node:fs';
import { UserError } from '../../util/errors.ts';
import { writeFileAtomic } from './atomic.ts';
import { type SafeTensor, type SafetensorsFile, decodeSafetensors, encodeSafetensors } from './safetensors.ts';

/** Encodes with {@link encodeSafetensors} and writes the file atomically. */
export function saveSafetensors(
  path: string,
  tensors: Record<string, SafeTensor>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Reads and decodes a safetensors file; errors name the path. */
export function loadSafetensors(path: string): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`file not found: ${path}`);
    throw e;
  }
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${path}: ${e.message}`);
    throw e;
  }
}

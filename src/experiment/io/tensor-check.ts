/**
 * Checks that tensors read back from a run directory are the ones the model needs: exactly the
 * expected names, each with the expected shape and dtype, mask values 0 or 1, weights finite.
 */
import type { SafetensorsFile } from './safetensors.ts';

/** What a file must hold: tensor name -> shape. */
export type ExpectedShapes = Record<string, readonly number[]>;

/**
 * Why `file` does not hold the expected masks (`kind` 'mask': U8/BOOL values 0 or 1) or
 * weights ('weights': finite F32), or undefined when it does.
 */
export function tensorProblem(file: SafetensorsFile, expect: ExpectedShapes, kind: 'mask' | 'weights'): string | undefined {
  const names = Object.keys(file.tensors);
  const missing = Object.keys(expect).filter((n) => !Object.hasOwn(file.tensors, n));
  if (missing.length > 0) return `no tensor '${missing[0]}'${missing.length > 1 ? ` (and ${missing.length - 1} more missing)` : ''}`;
  const extra = names.filter((n) => !Object.hasOwn(expect, n));
  if (extra.length > 0) return `unexpected tensor '${extra[0]}' (expected ${Object.keys(expect).join(', ')})`;
  for (const name of names) {
    const t = file.tensors[name]!;
    const shape = expect[name]!;
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      return `tensor '${name}' has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`;
    }
    if (kind === 'mask') {
      if (t.dtype !== 'U8' && t.dtype !== 'BOOL') return `mask '${name}' has dtype ${t.dtype}, expected U8`;
      const bad = t.data.findIndex((v) => v !== 0 && v !== 1);
      if (bad >= 0) return `mask '${name}' holds ${t.data[bad]} at index ${bad}, expected 0 or 1`;
    } else {
      if (t.dtype !== 'F32') return `weights '${name}' have dtype ${t.dtype}, expected F32`;
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) return `weights '${name}' hold ${t.data[bad]} at index ${bad}, expected finite values`;
    }
  }
  return undefined;
}

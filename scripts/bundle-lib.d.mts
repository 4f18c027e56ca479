/** Types of bundle-lib.mjs (for the tests that import it). */
export interface BundleFile {
  bytes: number;
  /** Source files bundled into it, relative to the package root. */
  inputs: string[];
  /** Chunks (by path) and externals (by specifier) it imports, statically or dynamically. */
  imports: { path: string; kind: string; external: boolean }[];
}
export function buildLib(opts?: { outdir?: string }): Promise<Record<string, BundleFile>>;
export function staticClosure(files: Record<string, BundleFile>, entry: string): string[];

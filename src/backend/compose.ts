/**
 * Assembles a backend from its family objects (backend.ts Families): every method a family
 * names in familyMethods becomes a method of the backend, bound to that family's object. The
 * Families type makes an incomplete backend a compile error; at construction a name claimed by
 * two families, or a family object lacking one of its methods (plain JS, a cast), throws.
 */
import { type Backend, type Families, familyMethods } from './backend.ts';

/** The method names of a set of families (familyMethods, or another table in tests). */
export type FamilyTable = { readonly [F in keyof Families]: Readonly<Record<string, true>> };

// Compile-time check: the Backend interface is exactly the families' methods plus its name.
type FamilyMethod = { [F in keyof Families]: keyof Families[F] }[keyof Families];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const contractIsFamilies: Same<keyof Backend, FamilyMethod | 'name'> = true;
void contractIsFamilies;

/**
 * Installs on `target` each family's methods, bound to its object; throws naming the method and
 * both families when two families claim one name, or the family and method when one is missing.
 */
export function installFamilies(target: object, name: string, families: Families, table: FamilyTable = familyMethods): void {
  const owner = new Map<string, string>();
  for (const family of Object.keys(table) as (keyof Families)[]) {
    const impl = families[family] as unknown as Record<string, unknown>;
    for (const method of Object.keys(table[family])) {
      const other = owner.get(method);
      if (other !== undefined) throw new Error(`backend ${name}: method ${method} is claimed by both the ${other} and the ${family} family`);
      const f = impl[method];
      if (typeof f !== 'function') throw new Error(`backend ${name}: the ${family} family object has no method ${method}`);
      owner.set(method, family);
      Object.defineProperty(target, method, { value: f.bind(impl), enumerable: true });
    }
  }
}

// The class behind ComposedBackend; its methods come from installFamilies.
class Composed {
  constructor(readonly name: string, families: Families) {
    installFamilies(this, name, families);
  }
}

/**
 * Base class of every backend: `super(name, families)` makes the instance a complete Backend.
 * The cast is sound because Families requires every family and installFamilies installs them all.
 */
export const ComposedBackend = Composed as unknown as new (name: string, families: Families) => Backend;

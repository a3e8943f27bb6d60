// Runtime support for cel-go ext.TwoVarComprehensions (Kubernetes env 1.32): the internal `cel.@mapInsert`
// used by the transformMap / transformMapEntry macro expansions. (The two-variable loops themselves are run by
// the interpreter's Comprehension node.)
import type { Library } from "../registry.js";
import { T } from "../types.js";
import { CelError, CelMap, CelUint, normalizeKey, type MapKey, type Value } from "../values.js";
import { K, V, fn } from "./decl.js";
import { formatKey } from "./ops.js";

/** A CelMap built by successive inserts; copies on insert so earlier accumulator values stay immutable. */
function insert(m: CelMap, k: Value, v: Value): CelMap {
  if (!(typeof k === "string" || typeof k === "bigint" || typeof k === "boolean" || k instanceof CelUint)) {
    throw new CelError(`unsupported map key type: ${typeof k}`);
  }
  const nk: MapKey = normalizeKey(k);
  if (m.has(nk)) throw new CelError(`insert failed: key ${formatKey(k)} already exists`);
  const entries: [Value, Value][] = [...m.entries(), [k, v]];
  return CelMap.fromEntries(entries);
}

export const comprehensionsLibrary: Library = {
  name: "cel.ext.comprehensions",
  since: "1.32",
  overloads: [
    fn("@mapInsert_map_key_value", "cel.@mapInsert", [T.map(K, V), K, V], T.map(K, V), (m, k, v) => insert(m as CelMap, k, v)),
    fn("@mapInsert_map_map", "cel.@mapInsert", [T.map(K, V), T.map(K, V)], T.map(K, V), (m, e) => {
      let out = m as CelMap;
      for (const [k, v] of (e as CelMap).entries()) out = insert(out, k, v);
      return out;
    }),
  ],
};

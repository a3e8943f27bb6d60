// cel-go ext.Sets (env 1.29): sets.contains, sets.equivalent, sets.intersects — list membership by CEL runtime
// equality (heterogeneous numbers: 1 == 1.0 == 1u).
import type { Library } from "../registry.js";
import { T } from "../types.js";
import type { Value } from "../values.js";
import { asList, celEquals, global } from "./common.js";

const has = (l: readonly Value[], x: Value): boolean => l.some((y) => celEquals(y, x));

export function setsContains(list: Value, sub: Value): Value {
  const l = asList(list);
  return asList(sub).every((x) => has(l, x));
}

export function setsEquivalent(a: Value, b: Value): Value {
  return setsContains(a, b) === true && setsContains(b, a) === true;
}

export function setsIntersects(a: Value, b: Value): Value {
  const lb = asList(b);
  return asList(a).some((x) => has(lb, x));
}

const L = T.list(T.param("T"));

export const setsLibrary: Library = {
  name: "cel.lib.ext.sets",
  since: "1.29",
  overloads: [
    global("list_sets_contains_list", "sets.contains", [L, L], T.bool, setsContains),
    global("list_sets_equivalent_list", "sets.equivalent", [L, L], T.bool, setsEquivalent),
    global("list_sets_intersects_list", "sets.intersects", [L, L], T.bool, setsIntersects),
  ],
};

// Set builtins (OPA v1/topdown/binary.go, sets.go): and (`&`), or (`|`), intersection and union of a set of sets,
// and the deprecated set_diff.
import { RSet, type Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { set } from "./util.js";

function intersect(a: RSet, b: RSet): RSet {
  return new RSet([...a].filter((x) => b.has(x)));
}

function intersection(v: Value): RSet {
  const sets = set(v, 1);
  let result: RSet | undefined;
  for (const item of sets.sorted()) {
    const s = set(item, 1);
    result = result === undefined ? s : intersect(result, s);
  }
  return result ?? new RSet();
}

function union(v: Value): RSet {
  const sets = set(v, 1);
  const out: Value[] = [];
  for (const item of sets.sorted()) out.push(...set(item, 1));
  return new RSet(out);
}

export const SETS: BuiltinDef[] = [
  ["and", 2, ([a, b]) => intersect(set(a!, 1), set(b!, 2))],
  ["or", 2, ([a, b]) => new RSet([...set(a!, 1), ...set(b!, 2)])],
  ["intersection", 1, ([v]) => intersection(v!)],
  ["union", 1, ([v]) => union(v!)],
  [
    "set_diff",
    2,
    ([a, b]) => {
      const s1 = set(a!, 1);
      const s2 = set(b!, 2);
      return new RSet([...s1].filter((x) => !s2.has(x)));
    },
  ],
];

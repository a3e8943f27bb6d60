// Aggregate builtins (OPA v1/topdown/aggregates.go): count (strings count code points), sum, product, max, min,
// sort, and the deprecated all / any.
import { compare, equal, RObject, RSet, type Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { elementErr, elements, isArr, isSet, normZero, runes, typeErr } from "./util.js";

function count(v: Value): number {
  if (isArr(v)) return v.length;
  if (v instanceof RObject || v instanceof RSet) return v.size;
  if (typeof v === "string") return runes(v).length;
  throw typeErr(1, v, "array", "object", "set", "string");
}

function numbersOf(v: Value): number[] {
  if (!isArr(v) && !isSet(v)) throw typeErr(1, v, "set", "array");
  return elements(v).map((x) => {
    if (typeof x !== "number") throw elementErr(1, v, x, "number");
    return x;
  });
}

/** Integers accumulate exactly (as OPA's big.Int path does); anything else in doubles. */
function accumulate(ns: number[], init: number, op: "+" | "*"): number {
  if (ns.every(Number.isInteger)) {
    let acc = BigInt(init);
    for (const n of ns) acc = op === "+" ? acc + BigInt(n) : acc * BigInt(n);
    return normZero(Number(acc));
  }
  let acc = init;
  for (const n of ns) acc = op === "+" ? acc + n : acc * n;
  return normZero(acc);
}

function extreme(v: Value, sign: 1 | -1): Value | undefined {
  if (!isArr(v) && !isSet(v)) throw typeErr(1, v, "set", "array");
  const items = elements(v);
  if (items.length === 0) return undefined;
  let best: Value = items[0] as Value;
  for (const item of items) if (sign * compare(item, best) > 0) best = item;
  return best;
}

function truthy(v: Value, mode: "all" | "any"): boolean {
  if (!isArr(v) && !isSet(v)) throw typeErr(1, v, "array", "set");
  const items = elements(v);
  return mode === "all" ? items.every((x) => equal(x, true)) : items.some((x) => equal(x, true));
}

export const AGGREGATES: BuiltinDef[] = [
  ["count", 1, ([v]) => count(v!)],
  ["sum", 1, ([v]) => accumulate(numbersOf(v!), 0, "+")],
  ["product", 1, ([v]) => accumulate(numbersOf(v!), 1, "*")],
  ["max", 1, ([v]) => extreme(v!, 1)],
  ["min", 1, ([v]) => extreme(v!, -1)],
  [
    "sort",
    1,
    ([v]) => {
      if (isArr(v!)) return [...v].sort(compare);
      if (isSet(v!)) return v.sorted();
      throw typeErr(1, v!, "set", "array");
    },
  ],
  ["all", 1, ([v]) => truthy(v!, "all")],
  ["any", 1, ([v]) => truthy(v!, "any")],
];

// Comparison builtins (OPA v1/topdown/comparison.go): equal, neq, lt, lte, gt, gte over any two values using OPA's
// total order (null < booleans < numbers < strings < arrays < objects < sets), plus the `in` operator's
// internal.member_2 / internal.member_3 (v1/topdown/aggregates.go).
import { compare, equal, RObject, RSet, type Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";

function member(x: Value, collection: Value): boolean {
  if (collection instanceof RSet) return collection.has(x);
  if (Array.isArray(collection)) return (collection as readonly Value[]).some((item) => equal(item, x));
  if (collection instanceof RObject) {
    for (const [, item] of collection.entries()) if (equal(item, x)) return true;
  }
  return false;
}

function memberWithKey(key: Value, value: Value, collection: Value): boolean {
  if (collection instanceof RSet) return collection.has(key) && equal(key, value);
  if (collection instanceof RObject) {
    const got = collection.get(key);
    return got !== undefined && equal(got, value);
  }
  if (Array.isArray(collection)) {
    if (typeof key !== "number" || !Number.isInteger(key) || key < 0 || key >= collection.length) return false;
    return equal((collection as readonly Value[])[key]!, value);
  }
  return false;
}

export const COMPARISON: BuiltinDef[] = [
  ["equal", 2, ([a, b]) => equal(a!, b!)],
  ["neq", 2, ([a, b]) => !equal(a!, b!)],
  ["lt", 2, ([a, b]) => compare(a!, b!) < 0],
  ["lte", 2, ([a, b]) => compare(a!, b!) <= 0],
  ["gt", 2, ([a, b]) => compare(a!, b!) > 0],
  ["gte", 2, ([a, b]) => compare(a!, b!) >= 0],
  ["internal.member_2", 2, ([x, c]) => member(x!, c!)],
  ["internal.member_3", 3, ([k, v, c]) => memberWithKey(k!, v!, c!)],
];

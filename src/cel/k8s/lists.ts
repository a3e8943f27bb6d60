// Kubernetes list library (apiserver pkg/cel/library/lists.go, env 1.0): isSorted, sum, min, max, indexOf,
// lastIndexOf. Implementations are runtime-generic (as cel-go's are): the overload only decides the zero of sum.
import type { Library, Overload } from "../registry.js";
import { T, type CelType } from "../types.js";
import { CelError, CelUint, Duration, Timestamp, noSuchOverload, type Value } from "../values.js";
import { INT64_MAX, INT64_MIN, asList, celCompare, celEquals, isComparable, member } from "./common.js";

const comparableTypes: [string, CelType][] = [
  ["int", T.int],
  ["uint", T.uint],
  ["double", T.double],
  ["bool", T.bool],
  ["duration", T.duration],
  ["timestamp", T.timestamp],
  ["string", T.string],
  ["bytes", T.bytes],
];

const summable: [string, CelType, Value][] = [
  ["int", T.int, 0n],
  ["uint", T.uint, new CelUint(0n)],
  ["double", T.double, 0],
  ["duration", T.duration, new Duration(0n)],
];

export function isSorted(list: Value): Value {
  let prev: Value | undefined;
  for (const next of asList(list)) {
    if (!isComparable(next)) throw noSuchOverload();
    if (prev !== undefined && celCompare(prev, next) === 1) return false;
    prev = next;
  }
  return true;
}

const U64 = 2n ** 64n;
const DUR_MAX = 2n ** 63n - 1n;

/** cel-go Adder.Add for the summable kinds, with int64/uint64/duration overflow errors. */
function add(a: Value, b: Value): Value {
  if (typeof a === "bigint" && typeof b === "bigint") {
    const r = a + b;
    if (r < INT64_MIN || r > INT64_MAX) throw new CelError("integer overflow");
    return r;
  }
  if (a instanceof CelUint && b instanceof CelUint) {
    const r = a.v + b.v;
    if (r >= U64) throw new CelError("unsigned integer overflow");
    return new CelUint(r);
  }
  if (typeof a === "number" && typeof b === "number") return a + b;
  if (a instanceof Duration && b instanceof Duration) {
    const r = a.ns + b.ns;
    if (r < -DUR_MAX - 1n || r > DUR_MAX) throw new CelError("integer overflow");
    return new Duration(r);
  }
  if (a instanceof Duration && b instanceof Timestamp) return new Timestamp(a.ns + b.ns);
  throw noSuchOverload();
}

/** `list.sum()`: zero of the declared element type for an empty list, else the fold of `+` from the first element. */
export function sum(list: Value, zero: Value = 0n): Value {
  let acc: Value | undefined;
  for (const next of asList(list)) acc = acc === undefined ? next : add(acc, next);
  return acc ?? zero;
}

function extreme(opName: string, prefer: number) {
  return (list: Value): Value => {
    let result: Value | undefined;
    for (const next of asList(list)) {
      if (!isComparable(next)) throw noSuchOverload();
      if (result === undefined) result = next;
      else if (celCompare(result, next) === prefer) result = next;
    }
    if (result === undefined) throw new CelError(`${opName} called on empty list`);
    return result;
  };
}

export const min = extreme("min", 1);
export const max = extreme("max", -1);

export function indexOf(list: Value, item: Value): Value {
  const l = asList(list);
  for (let i = 0; i < l.length; i++) if (celEquals(l[i] as Value, item)) return BigInt(i);
  return -1n;
}

export function lastIndexOf(list: Value, item: Value): Value {
  const l = asList(list);
  for (let i = l.length - 1; i >= 0; i--) if (celEquals(l[i] as Value, item)) return BigInt(i);
  return -1n;
}

const A = T.param("A");
const overloads: Overload[] = [
  ...comparableTypes.map(([n, t]) => member(`list_${n}_is_sorted_bool`, "isSorted", [T.list(t)], T.bool, isSorted)),
  ...summable.map(([n, t, zero]) => member(`list_${n}_sum_${n}`, "sum", [T.list(t)], t, (l) => sum(l, zero))),
  ...comparableTypes.map(([n, t]) => member(`list_${n}_max_${n}`, "max", [T.list(t)], t, max)),
  ...comparableTypes.map(([n, t]) => member(`list_${n}_min_${n}`, "min", [T.list(t)], t, min)),
  member("list_a_index_of_int", "indexOf", [T.list(A), A], T.int, indexOf),
  member("list_a_last_index_of_int", "lastIndexOf", [T.list(A), A], T.int, lastIndexOf),
];

export const listsLibrary: Library = { name: "kubernetes.lists", since: "1.0", overloads };

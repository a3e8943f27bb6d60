// cel-go ext.Lists as Kubernetes enables it (ListsVersion(3), env 1.34): lists.range, slice, flatten, distinct,
// reverse, sort and the sortBy macro's target `@sortByAssociatedKeys`. Error texts follow cel-go ext/lists.go.
import type { Library } from "../registry.js";
import { T, type CelType } from "../types.js";
import { CelError, type Value } from "../values.js";
import { A, fn, method } from "./decl.js";
import { kindOf } from "./dispatch.js";
import { celEquals, compareValues } from "./ops.js";

const list = (v: Value): readonly Value[] => v as readonly Value[];
const MAX_RANGE = 10_000_000n;
const COMPARABLE: [string, CelType][] = [
  ["int", T.int],
  ["uint", T.uint],
  ["double", T.double],
  ["bool", T.bool],
  ["google.protobuf.Duration", T.duration],
  ["google.protobuf.Timestamp", T.timestamp],
  ["string", T.string],
  ["bytes", T.bytes],
];

function flatten(l: readonly Value[], depth: bigint): Value[] {
  if (depth < 0n) throw new CelError("level must be non-negative");
  const out: Value[] = [];
  for (const v of l) {
    if (Array.isArray(v) && depth > 0n) out.push(...flatten(v, depth - 1n));
    else out.push(v);
  }
  return out;
}

/** `<list>.@sortByAssociatedKeys(<keys>)`; sort() is this with the list as its own keys. */
export function sortByKeys(l: readonly Value[], keys: readonly Value[]): readonly Value[] {
  if (l.length !== keys.length) {
    throw new CelError(
      `@sortByAssociatedKeys() expected a list of the same size as the associated keys list, but got ${l.length} and ${keys.length} elements respectively`,
    );
  }
  if (l.length === 0) return l;
  const k0 = kindOf(keys[0]!);
  if (!COMPARABLE_KINDS.has(k0)) throw new CelError("list elements must be comparable");
  for (const k of keys) if (kindOf(k) !== k0) throw new CelError("list elements must have the same type");
  const idx = l.map((_, i) => i);
  idx.sort((a, b) => compareValues(keys[a]!, keys[b]!));
  return idx.map((i) => l[i]!);
}
const COMPARABLE_KINDS = new Set([1, 2, 3, 4, 5, 6, 9, 10]);

export const listsLibrary: Library = {
  name: "cel.ext.lists",
  since: "1.34",
  overloads: [
    fn("lists_range", "lists.range", [T.int], T.list(T.int), (n) => {
      const k = n as bigint;
      if (k < 0n) throw new CelError(`lists.range: size must be non-negative, got ${k}`);
      if (k > MAX_RANGE) throw new CelError(`lists.range: size ${k} exceeds maximum allowed (${MAX_RANGE})`);
      return Array.from({ length: Number(k) }, (_, i) => BigInt(i));
    }),
    method("list_slice", "slice", [T.list(A), T.int, T.int], T.list(A), (l, a, b) => {
      const s = a as bigint;
      const e = b as bigint;
      const len = BigInt(list(l).length);
      if (s < 0n || e < 0n) throw new CelError(`cannot slice(${s}, ${e}), negative indexes not supported`);
      if (s > e) throw new CelError(`cannot slice(${s}, ${e}), start index must be less than or equal to end index`);
      if (len < e) throw new CelError(`cannot slice(${s}, ${e}), list is length ${len}`);
      return list(l).slice(Number(s), Number(e));
    }),
    method("list_flatten", "flatten", [T.list(T.list(A))], T.list(A), (l) => flatten(list(l), 1n)),
    method("list_flatten_int", "flatten", [T.list(T.dyn), T.int], T.list(T.dyn), (l, d) => flatten(list(l), d as bigint)),
    method("list_reverse", "reverse", [T.list(A)], T.list(A), (l) => [...list(l)].reverse()),
    method("list_distinct", "distinct", [T.list(A)], T.list(A), (l) => {
      const out: Value[] = [];
      for (const v of list(l)) if (!out.some((x) => celEquals(x, v))) out.push(v);
      return out;
    }),
    ...COMPARABLE.map(([name, t]) => method(`list_${name}_sort`, "sort", [T.list(t)], T.list(t), (l) => sortByKeys(list(l), list(l)))),
    ...COMPARABLE.map(([name, t]) =>
      method(`list_${name}_sortByAssociatedKeys`, "@sortByAssociatedKeys", [T.list(A), T.list(t)], T.list(A), (l, k) =>
        sortByKeys(list(l), list(k)),
      ),
    ),
  ],
};

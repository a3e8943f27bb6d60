// CEL optional types (cel-go OptionalTypes, Kubernetes env 1.28): optional.of / none / ofNonZeroValue,
// hasValue, value, orValue, or, and optional indexing `_[?_]` (also on optional receivers). The `.?field`
// selection and optional literal entries are handled by the interpreter.
import type { Library } from "../registry.js";
import { T } from "../types.js";
import { CelError, CelMap, CelTypeValue, CelUint, Duration, Optional, Timestamp, type Value } from "../values.js";
import { A, K, V, fn, method } from "./decl.js";
import { MIN_UNIX_SECONDS, optionalIndex } from "./ops.js";

const opt = (v: Value): Optional => v as Optional;

/** cel-go IsZeroValue: null, false, 0, 0u, 0.0, "", b"", empty list/map, zero duration, Go zero time (0001-01-01). */
export function isZeroValue(v: Value): boolean {
  if (v === null || v === false || v === 0n || v === 0 || v === "") return true;
  if (v instanceof CelUint) return v.v === 0n;
  if (v instanceof Uint8Array) return v.length === 0;
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof CelMap) return v.size === 0;
  if (v instanceof Duration) return v.ns === 0n;
  if (v instanceof Timestamp) return v.ns === MIN_UNIX_SECONDS * 1_000_000_000n;
  if (v instanceof Optional) return !v.hasValue();
  return false;
}

function value(o: Value): Value {
  const x = opt(o);
  if (x.value === undefined) throw new CelError("optional.none() dereference");
  return x.value;
}


export const optionalsLibrary: Library = {
  name: "cel.optionals",
  since: "1.28",
  overloads: [
    fn("optional_of", "optional.of", [A], T.optional(A), (a) => Optional.of(a)),
    fn("optional_ofNonZeroValue", "optional.ofNonZeroValue", [A], T.optional(A), (a) =>
      isZeroValue(a) ? Optional.NONE : Optional.of(a),
    ),
    fn("optional_none", "optional.none", [], T.optional(T.dyn), () => Optional.NONE),
    method("optional_hasValue", "hasValue", [T.optional(A)], T.bool, (o) => opt(o).hasValue()),
    method("optional_value", "value", [T.optional(A)], A, value),
    method("optional_or_optional", "or", [T.optional(A), T.optional(A)], T.optional(A), (a, b) => (opt(a).hasValue() ? a : b)),
    method("optional_orValue_value", "orValue", [T.optional(A), A], A, (a, b) => opt(a).value ?? b),
    fn("list_optindex_optional_int", "_[?_]", [T.list(V), T.int], T.optional(V), optionalIndex),
    fn("optional_list_optindex_optional_int", "_[?_]", [T.optional(T.list(V)), T.int], T.optional(V), optionalIndex),
    fn("map_optindex_optional_value", "_[?_]", [T.map(K, V), K], T.optional(V), optionalIndex),
    fn("optional_map_optindex_optional_value", "_[?_]", [T.optional(T.map(K, V)), K], T.optional(V), optionalIndex),
    fn("optional_list_index_int", "_[_]", [T.optional(T.list(V)), T.int], T.optional(V), optionalIndex),
    fn("optional_map_index_value", "_[_]", [T.optional(T.map(K, V)), K], T.optional(V), optionalIndex),
  ],
  idents: [{ name: "optional_type", type: T.type(T.optional(T.dyn)), value: new CelTypeValue("optional_type") }],
};

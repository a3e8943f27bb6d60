// Runtime overload dispatch shared by the interpreter, the standard library and the Kubernetes libraries:
// matching evaluated argument values against declared overload signatures (cel-go's IsAssignableRuntimeType:
// kinds and type names, list/map element types checked on the first element only, type params match anything)
// and building per-call-site dispatchers with a small kind-indexed memo so hot calls do no searching.
import type { Overload } from "../registry.js";
import type { CelType } from "../types.js";
import {
  CelError,
  CelMap,
  CelTypeValue,
  CelUint,
  Duration,
  Opaque,
  Optional,
  Timestamp,
  typeName,
  type Value,
} from "../values.js";

/** Small integer tag per runtime kind (used to index dispatch memos). */
export enum Kind {
  Null = 0,
  Bool = 1,
  Int = 2,
  Uint = 3,
  Double = 4,
  String = 5,
  Bytes = 6,
  List = 7,
  Map = 8,
  Timestamp = 9,
  Duration = 10,
  Type = 11,
  Optional = 12,
  Opaque = 13,
}
const KINDS = 14;

export function kindOf(v: Value): Kind {
  switch (typeof v) {
    case "boolean":
      return Kind.Bool;
    case "bigint":
      return Kind.Int;
    case "number":
      return Kind.Double;
    case "string":
      return Kind.String;
  }
  if (v === null) return Kind.Null;
  if (Array.isArray(v)) return Kind.List;
  if (v instanceof CelMap) return Kind.Map;
  if (v instanceof CelUint) return Kind.Uint;
  if (v instanceof Timestamp) return Kind.Timestamp;
  if (v instanceof Duration) return Kind.Duration;
  if (v instanceof Uint8Array) return Kind.Bytes;
  if (v instanceof Optional) return Kind.Optional;
  if (v instanceof CelTypeValue) return Kind.Type;
  return Kind.Opaque;
}

export type Matcher = (v: Value) => boolean;

const any: Matcher = () => true;
const PRIM_KIND: Record<string, Kind> = {
  bool: Kind.Bool,
  int: Kind.Int,
  uint: Kind.Uint,
  double: Kind.Double,
  string: Kind.String,
  bytes: Kind.Bytes,
  null_type: Kind.Null,
  timestamp: Kind.Timestamp,
  duration: Kind.Duration,
};

const isDynLike = (t: CelType): boolean => t.k === "dyn" || t.k === "param" || t.k === "error";

/** Runtime matcher for a declared parameter type, as cel-go's defaultIsAssignableRuntimeType. */
export function runtimeMatcher(t: CelType): Matcher {
  switch (t.k) {
    case "dyn":
    case "param":
    case "error":
      return any;
    case "prim": {
      const k = PRIM_KIND[t.name]!;
      return (v) => kindOf(v) === k;
    }
    case "list": {
      if (isDynLike(t.elem)) return (v) => Array.isArray(v);
      const em = runtimeMatcher(t.elem);
      return (v) => Array.isArray(v) && (v.length === 0 || em((v as readonly Value[])[0]!));
    }
    case "map": {
      if (isDynLike(t.key) && isDynLike(t.value)) return (v) => v instanceof CelMap;
      const km = runtimeMatcher(t.key);
      const vm = runtimeMatcher(t.value);
      return (v) => {
        if (!(v instanceof CelMap)) return false;
        for (const [k, x] of v.entries()) return km(k) && vm(x);
        return true;
      };
    }
    case "opaque":
      if (t.name === "optional_type") return (v) => v instanceof Optional;
      return (v) => v instanceof Opaque && v.typeName === t.name;
    case "type":
      return (v) => v instanceof CelTypeValue;
    case "object":
      return (v) => v instanceof CelMap;
  }
}

/** Whether a parameter type can be decided from the value's Kind alone (enables memoized dispatch). */
function kindDecidable(t: CelType): boolean {
  switch (t.k) {
    case "dyn":
    case "param":
    case "error":
    case "prim":
    case "type":
    case "object":
      return true;
    case "list":
      return isDynLike(t.elem);
    case "map":
      return isDynLike(t.key) && isDynLike(t.value);
    case "opaque":
      return t.name === "optional_type";
  }
}

/** cel-go's runtime dispatch failure text: `no such overload: fn(type1, type2)`. */
export function noSuchOverloadError(fn: string, args: readonly Value[]): CelError {
  return new CelError(`no such overload: ${fn}(${args.map(typeName).join(", ")})`);
}

interface Candidate {
  ov: Overload;
  impl: (...args: Value[]) => Value;
  match: Matcher[];
}

export type Dispatcher = (args: Value[]) => Value;
export type Dispatcher1 = (a: Value) => Value;
export type Dispatcher2 = (a: Value, b: Value) => Value;

/** Overloads applicable to a call site: same member-ness and arity, with an implementation. */
export function candidatesFor(overloads: readonly Overload[], argc: number, member: boolean): Overload[] {
  return overloads.filter((o) => o.member === member && o.params.length === argc && o.impl !== undefined);
}

/**
 * Overload ids whose runtime type guards are disabled (cel-go decls.DisableTypeGuards): only the top-level kind of
 * each argument is checked, the implementation copes with any element types (e.g. `list_flatten`).
 */
export const unguardedOverloads = new Set<string>(["list_flatten"]);

/** Top-level-kind-only version of a parameter type (for unguarded overloads). */
function shallow(t: CelType): CelType {
  if (t.k === "list") return { k: "list", elem: { k: "dyn" } };
  if (t.k === "map") return { k: "map", key: { k: "dyn" }, value: { k: "dyn" } };
  return t;
}

function prepare(overloads: readonly Overload[]): { cands: Candidate[]; decidable: boolean } {
  const paramsOf = (ov: Overload): CelType[] => (unguardedOverloads.has(ov.id) ? ov.params.map(shallow) : ov.params);
  const cands = overloads.map((ov) => ({ ov, impl: ov.impl!, match: paramsOf(ov).map(runtimeMatcher) }));
  const decidable = overloads.every((o) => paramsOf(o).every(kindDecidable));
  return { cands, decidable };
}

function find(cands: Candidate[], args: readonly Value[]): Candidate | undefined {
  outer: for (const c of cands) {
    for (let i = 0; i < c.match.length; i++) if (!c.match[i]!(args[i]!)) continue outer;
    return c;
  }
  return undefined;
}

/** A general dispatcher for `fn` among `overloads` (already filtered to the call's arity/member-ness). */
export function makeDispatcher(fn: string, overloads: readonly Overload[]): Dispatcher {
  const { cands } = prepare(overloads);
  if (cands.length === 1 && cands[0]!.match.every((m) => m === any)) {
    const impl = cands[0]!.impl;
    return (args) => impl(...args);
  }
  return (args) => {
    const c = find(cands, args);
    if (!c) throw noSuchOverloadError(fn, args);
    return c.impl(...args);
  };
}

export function makeDispatcher1(fn: string, overloads: readonly Overload[]): Dispatcher1 {
  const { cands, decidable } = prepare(overloads);
  if (cands.length === 1 && cands[0]!.match[0] === any) return cands[0]!.impl;
  if (decidable) {
    const memo: (Candidate | null | undefined)[] = new Array(KINDS);
    return (a) => {
      const k = kindOf(a);
      let c = memo[k];
      if (c === undefined) memo[k] = c = find(cands, [a]) ?? null;
      if (c === null) throw noSuchOverloadError(fn, [a]);
      return c.impl(a);
    };
  }
  return (a) => {
    for (const c of cands) if (c.match[0]!(a)) return c.impl(a);
    throw noSuchOverloadError(fn, [a]);
  };
}

export function makeDispatcher2(fn: string, overloads: readonly Overload[]): Dispatcher2 {
  const { cands, decidable } = prepare(overloads);
  if (cands.length === 1 && cands[0]!.match[0] === any && cands[0]!.match[1] === any) return cands[0]!.impl;
  if (decidable) {
    const memo: (Candidate | null | undefined)[] = new Array(KINDS * KINDS);
    return (a, b) => {
      const k = kindOf(a) * KINDS + kindOf(b);
      let c = memo[k];
      if (c === undefined) memo[k] = c = find(cands, [a, b]) ?? null;
      if (c === null) throw noSuchOverloadError(fn, [a, b]);
      return c.impl(a, b);
    };
  }
  return (a, b) => {
    for (const c of cands) if (c.match[0]!(a) && c.match[1]!(b)) return c.impl(a, b);
    throw noSuchOverloadError(fn, [a, b]);
  };
}

/** One-shot dispatch (for library code that needs to call another overloaded function). */
export function dispatch(fn: string, overloads: readonly Overload[], args: Value[]): Value {
  const c = find(prepare(overloads).cands, args);
  if (!c) throw noSuchOverloadError(fn, args);
  return c.impl(...args);
}

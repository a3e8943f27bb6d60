// Shared helpers of the Kubernetes CEL libraries: opaque type names and static types, argument coercion, and
// cel-go's runtime equality / ordering (traits.Comparer) over our Value model, used by lists, sets and others.
import { T, type CelType } from "../types.js";
import type { IdentDecl, Overload } from "../registry.js";
import {
  CelError,
  CelMap,
  CelTypeValue,
  CelUint,
  Duration,
  Opaque,
  Optional,
  Timestamp,
  noSuchOverload,
  normalizeKey,
  type Value,
} from "../values.js";

/** CEL type names used by Kubernetes (apiserver pkg/cel/types.go, library/authz.go). */
export const TypeNames = {
  quantity: "kubernetes.Quantity",
  ip: "net.IP",
  cidr: "net.CIDR",
  url: "kubernetes.URL",
  semver: "kubernetes.Semver",
  format: "kubernetes.NamedFormat",
  authorizer: "kubernetes.authorization.Authorizer",
  pathCheck: "kubernetes.authorization.PathCheck",
  groupCheck: "kubernetes.authorization.GroupCheck",
  resourceCheck: "kubernetes.authorization.ResourceCheck",
  decision: "kubernetes.authorization.Decision",
} as const;

export const KT = {
  quantity: T.opaque(TypeNames.quantity),
  ip: T.opaque(TypeNames.ip),
  cidr: T.opaque(TypeNames.cidr),
  url: T.opaque(TypeNames.url),
  semver: T.opaque(TypeNames.semver),
  format: T.opaque(TypeNames.format),
  authorizer: T.opaque(TypeNames.authorizer),
  pathCheck: T.opaque(TypeNames.pathCheck),
  groupCheck: T.opaque(TypeNames.groupCheck),
  resourceCheck: T.opaque(TypeNames.resourceCheck),
  decision: T.opaque(TypeNames.decision),
};

/** The type identifier (`net.IP`, `kubernetes.Quantity`, …) so `type(x) == net.IP` type-checks and evaluates. */
export function typeIdent(name: string, since?: string): IdentDecl {
  const d: IdentDecl = { name, type: T.type(T.opaque(name)), value: new CelTypeValue(name) };
  if (since !== undefined) d.since = since;
  return d;
}

/** Member overload shorthand: receiver type first. */
export function member(id: string, name: string, params: CelType[], result: CelType, impl: (...a: Value[]) => Value): Overload {
  return { id, name, member: true, params, result, impl };
}

/** Global overload shorthand. */
export function global(id: string, name: string, params: CelType[], result: CelType, impl: (...a: Value[]) => Value): Overload {
  return { id, name, member: false, params, result, impl };
}

export function asString(v: Value | undefined): string {
  if (typeof v !== "string") throw noSuchOverload();
  return v;
}

export function asInt(v: Value | undefined): bigint {
  if (typeof v !== "bigint") throw noSuchOverload();
  return v;
}

export function asBool(v: Value | undefined): boolean {
  if (typeof v !== "boolean") throw noSuchOverload();
  return v;
}

export function asList(v: Value | undefined): readonly Value[] {
  if (!Array.isArray(v)) throw noSuchOverload();
  return v as readonly Value[];
}

/** Narrow an argument to an opaque subclass, else "no such overload" (cel-go MaybeNoSuchOverloadErr). */
export function asOpaque<C extends Opaque>(v: Value | undefined, cls: abstract new (...args: never[]) => C): C {
  if (!(v instanceof cls)) throw noSuchOverload();
  return v;
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

type Num = { k: "int"; v: bigint } | { k: "uint"; v: bigint } | { k: "double"; v: number };

function asNum(v: Value): Num | undefined {
  if (typeof v === "bigint") return { k: "int", v };
  if (v instanceof CelUint) return { k: "uint", v: v.v };
  if (typeof v === "number") return { k: "double", v };
  return undefined;
}

/** Compare a bigint with a double exactly; NaN → undefined. */
function cmpBigDouble(a: bigint, b: number): number | undefined {
  if (Number.isNaN(b)) return undefined;
  if (b === Infinity) return -1;
  if (b === -Infinity) return 1;
  const fl = Math.floor(b);
  const bi = BigInt(fl);
  if (a < bi) return -1;
  if (a > bi) return 1;
  return fl === b ? 0 : -1;
}

function cmpNum(a: Num, b: Num): number | undefined {
  if (a.k !== "double" && b.k !== "double") return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if (a.k === "double" && b.k === "double") {
    if (Number.isNaN(a.v) || Number.isNaN(b.v)) return undefined;
    return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  }
  if (a.k === "double") {
    const c = cmpBigDouble(b.v as bigint, a.v);
    return c === undefined ? undefined : -c;
  }
  return cmpBigDouble(a.v as bigint, b.v as number);
}

/** Go string ordering is byte-wise over UTF-8, i.e. code point order (not UTF-16 unit order). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * cel-go `traits.Comparer.Compare`: -1/0/1, or undefined when the values are not comparable
 * (cel-go returns an error value there, which callers such as isSorted/min/max treat as "not preferred").
 */
export function celCompare(a: Value, b: Value): number | undefined {
  const na = asNum(a);
  if (na) {
    const nb = asNum(b);
    return nb ? cmpNum(na, nb) : undefined;
  }
  if (typeof a === "string") return typeof b === "string" ? compareStrings(a, b) : undefined;
  if (typeof a === "boolean") return typeof b === "boolean" ? (a === b ? 0 : a ? 1 : -1) : undefined;
  if (a instanceof Uint8Array) return b instanceof Uint8Array ? compareBytes(a, b) : undefined;
  if (a instanceof Duration) return b instanceof Duration ? (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0) : undefined;
  if (a instanceof Timestamp) return b instanceof Timestamp ? (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0) : undefined;
  return undefined;
}

/** True when the value implements cel-go's traits.Comparer. */
export function isComparable(v: Value): boolean {
  return (
    typeof v === "bigint" ||
    typeof v === "number" ||
    typeof v === "string" ||
    typeof v === "boolean" ||
    v instanceof CelUint ||
    v instanceof Uint8Array ||
    v instanceof Duration ||
    v instanceof Timestamp
  );
}

/** cel-go runtime equality (`==`): heterogeneous numeric equality, deep list/map equality, Opaque.equals. */
export function celEquals(a: Value, b: Value): boolean {
  const na = asNum(a);
  if (na) {
    const nb = asNum(b);
    return nb !== undefined && cmpNum(na, nb) === 0;
  }
  if (a === null || typeof a === "string" || typeof a === "boolean") return a === b;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && compareBytes(a, b) === 0;
  if (a instanceof Duration) return b instanceof Duration && a.ns === b.ns;
  if (a instanceof Timestamp) return b instanceof Timestamp && a.ns === b.ns;
  if (a instanceof CelTypeValue) return b instanceof CelTypeValue && a.name === b.name;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!celEquals(a[i] as Value, b[i] as Value)) return false;
    return true;
  }
  if (a instanceof CelMap) {
    if (!(b instanceof CelMap) || a.size !== b.size) return false;
    for (const [k, v] of a.entries()) {
      let nk;
      try {
        nk = normalizeKey(k);
      } catch {
        return false;
      }
      const w = b.get(nk);
      if (w === undefined || !celEquals(v, w)) return false;
    }
    return true;
  }
  if (a instanceof Optional) {
    if (!(b instanceof Optional)) return false;
    if (!a.hasValue() || !b.hasValue()) return a.hasValue() === b.hasValue();
    return celEquals(a.value as Value, b.value as Value);
  }
  if (a instanceof Opaque) return b instanceof Opaque && a.typeName === b.typeName && a.equals(b);
  return false;
}

/** Go strconv.Quote for the ASCII/printable cases that appear in Kubernetes error texts. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f";
    else if (c === 10) out += "\\n";
    else if (c === 13) out += "\\r";
    else if (c === 9) out += "\\t";
    else if (c === 11) out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else if (c >= 0x80 && c < 0xa0) out += "\\u" + c.toString(16).padStart(4, "0");
    else if (c === 0xfffd && ch !== "\ufffd") out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}

export { CelError };

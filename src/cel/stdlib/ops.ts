// Core value semantics as cel-go implements them: heterogeneous equality, ordering (incl. cross-type numeric),
// checked int64/uint64 arithmetic, timestamp/duration arithmetic with range checks, indexing and `in`.
// Pure helpers; the overload declarations that expose them live in core.ts.
import {
  CelError,
  CelMap,
  CelTypeValue,
  CelUint,
  Duration,
  Opaque,
  Optional,
  Timestamp,
  normalizeKey,
  typeName,
  type MapKey,
  type Value,
} from "../values.js";

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;
/** Valid timestamp range in seconds: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
export const MIN_UNIX_SECONDS = -62135596800n;
export const MAX_UNIX_SECONDS = 253402300799n;
const NS = 1_000_000_000n;

export { intOf } from "../values.js";

export const errIntOverflow = (): CelError => new CelError("integer overflow");
export const errUintOverflow = (): CelError => new CelError("unsigned integer overflow");
export const errTimestampOverflow = (): CelError => new CelError("timestamp overflow");
export const errDivByZero = (): CelError => new CelError("division by zero");
export const errModByZero = (): CelError => new CelError("modulus by zero");

export function checkInt(v: bigint): bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw errIntOverflow();
  return v;
}
export function checkUint(v: bigint): CelUint {
  if (v < 0n || v > UINT64_MAX) throw errUintOverflow();
  return new CelUint(v);
}
export function checkTimestamp(ns: bigint): Timestamp {
  const s = floorDiv(ns, NS);
  if (s < MIN_UNIX_SECONDS || s > MAX_UNIX_SECONDS) throw errTimestampOverflow();
  return new Timestamp(ns);
}
export function checkDuration(ns: bigint): Duration {
  if (ns < INT64_MIN || ns > INT64_MAX) throw errIntOverflow();
  return new Duration(ns);
}
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

// ---------------------------------------------------------------- equality

/** CEL runtime equality (cel-go 0.26 heterogeneous equality): never throws; different kinds are unequal. */
export function celEquals(a: Value, b: Value): boolean {
  if (a === b) return typeof a !== "number" || !Number.isNaN(a);
  switch (typeof a) {
    case "bigint":
      if (typeof b === "number") return Number(a) === b && inInt64Range(b);
      if (b instanceof CelUint) return a === b.v;
      return false;
    case "number":
      if (typeof b === "bigint") return a === Number(b) && inInt64Range(a);
      if (b instanceof CelUint) return a === Number(b.v) && a >= 0 && a < 2 ** 64;
      return false;
    case "string":
    case "boolean":
      return false;
  }
  if (a === null || b === null) return false;
  if (a instanceof CelUint) {
    if (b instanceof CelUint) return a.v === b.v;
    if (typeof b === "bigint") return a.v === b;
    if (typeof b === "number") return b === Number(a.v) && b >= 0 && b < 2 ** 64;
    return false;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!celEquals(a[i], (b as readonly Value[])[i]!)) return false;
    return true;
  }
  if (a instanceof CelMap) {
    if (!(b instanceof CelMap) || a.size !== b.size) return false;
    for (const [k, v] of a.entries()) {
      const other = mapLookup(b, k);
      if (other === undefined || !celEquals(v, other)) return false;
    }
    return true;
  }
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (a instanceof Timestamp) return b instanceof Timestamp && a.ns === b.ns;
  if (a instanceof Duration) return b instanceof Duration && a.ns === b.ns;
  if (a instanceof CelTypeValue) return b instanceof CelTypeValue && a.name === b.name;
  if (a instanceof Optional) {
    if (!(b instanceof Optional)) return false;
    if (a.value === undefined || b.value === undefined) return a.value === b.value;
    return celEquals(a.value, b.value);
  }
  if (a instanceof Opaque) return b instanceof Opaque && a.typeName === b.typeName && a.equals(b);
  return false;
}

function inInt64Range(d: number): boolean {
  return d >= -(2 ** 63) && d < 2 ** 63;
}

// ---------------------------------------------------------------- ordering

/** Compare two numbers of any numeric kind; NaN when a double NaN is involved. */
export function compareNumeric(a: bigint | number | CelUint, b: bigint | number | CelUint): number {
  const x = a instanceof CelUint ? a.v : a;
  const y = b instanceof CelUint ? b.v : b;
  if (typeof x === "bigint" && typeof y === "bigint") return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === "number" && typeof y === "number") return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
  // mixed bigint / double: compare the double against the integer exactly
  if (typeof x === "number") return -compareBigDouble(y as bigint, x, b instanceof CelUint);
  return compareBigDouble(x as bigint, y as number, a instanceof CelUint);
}

/** cel-go compareIntDouble: out-of-range doubles order outside int64, otherwise compare as doubles (lossy, as cel-go). */
function compareBigDouble(i: bigint, d: number, unsigned: boolean): number {
  if (Number.isNaN(d)) return NaN;
  if (d < (unsigned ? 0 : -(2 ** 63))) return 1;
  if (d > (unsigned ? 2 ** 64 : 2 ** 63)) return -1;
  const x = Number(i);
  return x < d ? -1 : x > d ? 1 : 0;
}

export function compareStrings(a: string, b: string): number {
  // code point order: UTF-16 order differs only for surrogate pairs vs. U+E000..U+FFFF
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x < y ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** Generic ordering used by sort()/min()/max() helpers: same-kind or numeric; throws no such overload otherwise. */
export function compareValues(a: Value, b: Value): number {
  const na = typeof a === "bigint" || typeof a === "number" || a instanceof CelUint;
  const nb = typeof b === "bigint" || typeof b === "number" || b instanceof CelUint;
  if (na && nb) return compareNumeric(a as bigint, b as bigint);
  if (typeof a === "string" && typeof b === "string") return compareStrings(a, b);
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  if (a instanceof Timestamp && b instanceof Timestamp) return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0;
  if (a instanceof Duration && b instanceof Duration) return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0;
  throw new CelError(`no such overload: compare(${typeName(a)}, ${typeName(b)})`);
}

// ---------------------------------------------------------------- maps, lists, index

/** Heterogeneous map lookup: numeric keys of any kind find int/uint keys; undefined when absent/invalid. */
export function mapLookup(m: CelMap, key: Value): Value | undefined {
  let k: MapKey;
  switch (typeof key) {
    case "string":
    case "boolean":
    case "bigint":
      return m.get(key);
    case "number":
      if (!Number.isInteger(key)) return undefined;
      k = BigInt(key);
      return m.get(k);
  }
  if (key instanceof CelUint) return m.get(key.v);
  return undefined;
}

export function formatKey(key: Value): string {
  if (typeof key === "string") return key;
  if (key instanceof CelUint) return key.v.toString();
  if (typeof key === "number") return String(key);
  return String(key);
}

export function mapIndex(m: CelMap, key: Value): Value {
  const v = mapLookup(m, key);
  if (v === undefined) throw new CelError(`no such key: ${formatKey(key)}`);
  return v;
}

/** List index as an integer position; throws for non-integral or non-numeric index values. */
export function listPosition(key: Value): number {
  if (typeof key === "bigint") return Number(key);
  if (key instanceof CelUint) return Number(key.v);
  if (typeof key === "number") {
    if (Number.isInteger(key)) return key;
    throw new CelError(`unsupported index value ${key} in list`);
  }
  throw new CelError(`unsupported index type '${typeName(key)}' in list`);
}

export function listIndex(l: readonly Value[], key: Value): Value {
  const i = listPosition(key);
  if (i < 0 || i >= l.length) throw new CelError(`index out of bounds: ${formatKey(key)}`);
  return l[i]!;
}

/** `_[_]` on any container. */
export function index(c: Value, key: Value): Value {
  if (Array.isArray(c)) return listIndex(c, key);
  if (c instanceof CelMap) return mapIndex(c, key);
  if (c instanceof Optional) return optionalIndex(c, key);
  throw new CelError(`no such key: ${formatKey(key)}`);
}

/** `_[?_]`: optional index (also applied when the container itself is an optional). */
export function optionalIndex(c: Value, key: Value): Optional {
  if (c instanceof Optional) {
    if (c.value === undefined) return c;
    c = c.value;
  }
  if (Array.isArray(c)) {
    const i = listPosition(key);
    return i < 0 || i >= c.length ? Optional.NONE : Optional.of(c[i]!);
  }
  if (c instanceof CelMap) {
    const v = mapLookup(c, key);
    return v === undefined ? Optional.NONE : Optional.of(v);
  }
  throw new CelError(`no such overload: _[?_](${typeName(c)}, ${typeName(key)})`);
}

export function listContains(l: readonly Value[], v: Value): boolean {
  for (const x of l) if (celEquals(x, v)) return true;
  return false;
}

export function mapContainsKey(m: CelMap, k: Value): boolean {
  return mapLookup(m, k) !== undefined;
}

/** Build a map from literal entries, erroring on repeated keys as cel-go does. */
export function buildMap(keys: readonly Value[], values: readonly Value[]): CelMap {
  const m = new Map<MapKey, Value>();
  let uk: Set<bigint> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (typeof k === "number" || k === null || !(typeof k === "string" || typeof k === "bigint" || typeof k === "boolean" || k instanceof CelUint)) {
      throw new CelError(`unsupported key type: ${typeName(k)}`);
    }
    const nk = normalizeKey(k);
    if (m.has(nk)) throw new CelError("Failed with repeated key");
    if (k instanceof CelUint) (uk ??= new Set()).add(k.v);
    m.set(nk, values[i]!);
  }
  return new CelMap(m, uk);
}

// Standard CEL overloads (cel-go's stdlib): operators, size, string predicates and regex, type conversions,
// type identifiers, timestamp/duration accessors. Declarations carry precise signatures for the checker;
// implementations receive evaluated values of the declared kinds (dispatch guarantees it).
import { codePoints } from "../cost.js";
import type { IdentDecl, Library, Overload } from "../registry.js";
import { T, type CelType } from "../types.js";
import { CelError, CelMap, CelTypeValue, CelUint, Duration, Timestamp, typeName, type Value } from "../values.js";
import { A, K, V, fn, method } from "./decl.js";
import { formatDouble, toCelString } from "./format.js";
import {
  INT64_MAX,
  INT64_MIN,
  UINT64_MAX,
  celEquals,
  checkDuration,
  checkInt,
  checkTimestamp,
  checkUint,
  compareBytes,
  compareNumeric,
  compareStrings,
  errDivByZero,
  errIntOverflow,
  errModByZero,
  errUintOverflow,
  floorDiv,
  index,
  intOf,
  listContains,
  mapContainsKey,
} from "./ops.js";
import { compileRegex } from "./regex.js";
import { civil, parseDuration, parseTimestamp, timestampFromSeconds } from "./time.js";

const NS = 1_000_000_000n;
const u = (v: Value): bigint => (v as CelUint).v;
const i = (v: Value): bigint => v as bigint;
const d = (v: Value): number => v as number;
const s = (v: Value): string => v as string;
const ts = (v: Value): bigint => (v as Timestamp).ns;
const du = (v: Value): bigint => (v as Duration).ns;

/** Number of Unicode code points (cost.ts's count, which skips the scan for strings without surrogates). */
export const codePointLength = (str: string): number => codePoints(str);

// ------------------------------------------------------------ arithmetic

const arithmetic: Overload[] = [
  fn("add_int64", "_+_", [T.int, T.int], T.int, (a, b) => checkInt(i(a) + i(b))),
  fn("add_uint64", "_+_", [T.uint, T.uint], T.uint, (a, b) => checkUint(u(a) + u(b))),
  fn("add_double", "_+_", [T.double, T.double], T.double, (a, b) => d(a) + d(b)),
  fn("add_string", "_+_", [T.string, T.string], T.string, (a, b) => s(a) + s(b)),
  fn("add_bytes", "_+_", [T.bytes, T.bytes], T.bytes, (a, b) => {
    const x = a as Uint8Array;
    const y = b as Uint8Array;
    const r = new Uint8Array(x.length + y.length);
    r.set(x);
    r.set(y, x.length);
    return r;
  }),
  fn("add_list", "_+_", [T.list(A), T.list(A)], T.list(A), (a, b) => {
    const x = a as readonly Value[];
    const y = b as readonly Value[];
    return x.length === 0 ? y : y.length === 0 ? x : [...x, ...y];
  }),
  fn("add_timestamp_duration", "_+_", [T.timestamp, T.duration], T.timestamp, (a, b) => checkTimestamp(ts(a) + du(b))),
  fn("add_duration_timestamp", "_+_", [T.duration, T.timestamp], T.timestamp, (a, b) => checkTimestamp(du(a) + ts(b))),
  fn("add_duration_duration", "_+_", [T.duration, T.duration], T.duration, (a, b) => checkDuration(du(a) + du(b))),

  fn("subtract_int64", "_-_", [T.int, T.int], T.int, (a, b) => checkInt(i(a) - i(b))),
  fn("subtract_uint64", "_-_", [T.uint, T.uint], T.uint, (a, b) => checkUint(u(a) - u(b))),
  fn("subtract_double", "_-_", [T.double, T.double], T.double, (a, b) => d(a) - d(b)),
  fn("subtract_timestamp_timestamp", "_-_", [T.timestamp, T.timestamp], T.duration, (a, b) => checkDuration(ts(a) - ts(b))),
  fn("subtract_timestamp_duration", "_-_", [T.timestamp, T.duration], T.timestamp, (a, b) => {
    checkDuration(-du(b));
    return checkTimestamp(ts(a) - du(b));
  }),
  fn("subtract_duration_duration", "_-_", [T.duration, T.duration], T.duration, (a, b) => checkDuration(du(a) - du(b))),

  fn("multiply_int64", "_*_", [T.int, T.int], T.int, (a, b) => checkInt(i(a) * i(b))),
  fn("multiply_uint64", "_*_", [T.uint, T.uint], T.uint, (a, b) => checkUint(u(a) * u(b))),
  fn("multiply_double", "_*_", [T.double, T.double], T.double, (a, b) => d(a) * d(b)),

  fn("divide_int64", "_/_", [T.int, T.int], T.int, (a, b) => {
    if (i(b) === 0n) throw errDivByZero();
    return checkInt(i(a) / i(b));
  }),
  fn("divide_uint64", "_/_", [T.uint, T.uint], T.uint, (a, b) => {
    if (u(b) === 0n) throw errDivByZero();
    return new CelUint(u(a) / u(b));
  }),
  fn("divide_double", "_/_", [T.double, T.double], T.double, (a, b) => d(a) / d(b)),

  fn("modulo_int64", "_%_", [T.int, T.int], T.int, (a, b) => {
    if (i(b) === 0n) throw errModByZero();
    if (i(a) === INT64_MIN && i(b) === -1n) throw errIntOverflow();
    return i(a) % i(b);
  }),
  fn("modulo_uint64", "_%_", [T.uint, T.uint], T.uint, (a, b) => {
    if (u(b) === 0n) throw errModByZero();
    return new CelUint(u(a) % u(b));
  }),

  fn("negate_int64", "-_", [T.int], T.int, (a) => checkInt(-i(a))),
  fn("negate_double", "-_", [T.double], T.double, (a) => -d(a)),
  fn("logical_not", "!_", [T.bool], T.bool, (a) => !a),
];

// ------------------------------------------------------------ logic, equality, ordering

const logic: Overload[] = [
  fn("logical_and", "_&&_", [T.bool, T.bool], T.bool),
  fn("logical_or", "_||_", [T.bool, T.bool], T.bool),
  fn("conditional", "_?_:_", [T.bool, A, A], A),
  fn("not_strictly_false", "@not_strictly_false", [T.bool], T.bool),
  fn("equals", "_==_", [A, A], T.bool, (a, b) => celEquals(a, b)),
  fn("not_equals", "_!=_", [A, A], T.bool, (a, b) => !celEquals(a, b)),
];

type Cmp = (a: Value, b: Value) => number;
const numCmp: Cmp = (a, b) => compareNumeric(a as bigint, b as bigint);
const ORDER_OPS: [string, string, (c: number) => boolean][] = [
  ["_<_", "less", (c) => c < 0],
  ["_<=_", "less_equals", (c) => c <= 0],
  ["_>_", "greater", (c) => c > 0],
  ["_>=_", "greater_equals", (c) => c >= 0],
];
const ORDER_TYPES: [string, CelType, CelType, Cmp, string?][] = [
  ["bool", T.bool, T.bool, (a, b) => (a === b ? 0 : a ? 1 : -1)],
  ["int64", T.int, T.int, numCmp],
  ["uint64", T.uint, T.uint, numCmp],
  ["double", T.double, T.double, numCmp],
  ["string", T.string, T.string, (a, b) => compareStrings(s(a), s(b))],
  ["bytes", T.bytes, T.bytes, (a, b) => compareBytes(a as Uint8Array, b as Uint8Array)],
  ["timestamp", T.timestamp, T.timestamp, (a, b) => (ts(a) < ts(b) ? -1 : ts(a) > ts(b) ? 1 : 0)],
  ["duration", T.duration, T.duration, (a, b) => (du(a) < du(b) ? -1 : du(a) > du(b) ? 1 : 0)],
  // CrossTypeNumericComparisons (Kubernetes env 1.28)
  ["int64_uint64", T.int, T.uint, numCmp, "1.28"],
  ["int64_double", T.int, T.double, numCmp, "1.28"],
  ["uint64_int64", T.uint, T.int, numCmp, "1.28"],
  ["uint64_double", T.uint, T.double, numCmp, "1.28"],
  ["double_int64", T.double, T.int, numCmp, "1.28"],
  ["double_uint64", T.double, T.uint, numCmp, "1.28"],
];
const ordering: Overload[] = ORDER_OPS.flatMap(([name, prefix, test]) =>
  ORDER_TYPES.map(([suffix, l, r, cmp, since]) => fn(`${prefix}_${suffix}`, name, [l, r], T.bool, (a, b) => test(cmp(a, b)), since)),
);

// ------------------------------------------------------------ containers

const containers: Overload[] = [
  fn("index_list", "_[_]", [T.list(A), T.int], A, index),
  fn("index_map", "_[_]", [T.map(K, V), K], V, index),
  fn("in_list", "@in", [A, T.list(A)], T.bool, (a, l) => listContains(l as readonly Value[], a)),
  fn("in_map", "@in", [K, T.map(K, V)], T.bool, (k, m) => mapContainsKey(m as CelMap, k)),
  fn("size_string", "size", [T.string], T.int, (a) => intOf(codePointLength(s(a)))),
  fn("size_bytes", "size", [T.bytes], T.int, (a) => intOf((a as Uint8Array).length)),
  fn("size_list", "size", [T.list(A)], T.int, (a) => intOf((a as readonly Value[]).length)),
  fn("size_map", "size", [T.map(K, V)], T.int, (a) => intOf((a as CelMap).size)),
  method("string_size", "size", [T.string], T.int, (a) => intOf(codePointLength(s(a)))),
  method("bytes_size", "size", [T.bytes], T.int, (a) => intOf((a as Uint8Array).length)),
  method("list_size", "size", [T.list(A)], T.int, (a) => intOf((a as readonly Value[]).length)),
  method("map_size", "size", [T.map(K, V)], T.int, (a) => intOf((a as CelMap).size)),
];

// ------------------------------------------------------------ strings

const strings: Overload[] = [
  method("contains_string", "contains", [T.string, T.string], T.bool, (a, b) => s(a).includes(s(b))),
  method("starts_with_string", "startsWith", [T.string, T.string], T.bool, (a, b) => s(a).startsWith(s(b))),
  method("ends_with_string", "endsWith", [T.string, T.string], T.bool, (a, b) => s(a).endsWith(s(b))),
  method("matches_string", "matches", [T.string, T.string], T.bool, (a, b) => compileRegex(s(b)).test(s(a))),
  fn("matches", "matches", [T.string, T.string], T.bool, (a, b) => compileRegex(s(b)).test(s(a))),
];

// ------------------------------------------------------------ conversions

const DEC_INT = /^[+-]?[0-9]+$/;

/** Go strconv.ParseInt(s, 10, 64). */
export function parseGoInt(str: string): bigint {
  if (!DEC_INT.test(str)) throw new CelError(`strconv.ParseInt: parsing ${JSON.stringify(str)}: invalid syntax`);
  const v = BigInt(str);
  if (v < INT64_MIN || v > INT64_MAX) throw new CelError(`strconv.ParseInt: parsing ${JSON.stringify(str)}: value out of range`);
  return v;
}

/** Go strconv.ParseUint(s, 10, 64). */
export function parseGoUint(str: string): bigint {
  if (!/^[0-9]+$/.test(str)) throw new CelError(`strconv.ParseUint: parsing ${JSON.stringify(str)}: invalid syntax`);
  const v = BigInt(str);
  if (v > UINT64_MAX) throw new CelError(`strconv.ParseUint: parsing ${JSON.stringify(str)}: value out of range`);
  return v;
}

const FLOAT_RE = /^[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)$/i;

/** Go strconv.ParseFloat(s, 64) (decimal forms, inf/nan). */
export function parseGoFloat(str: string): number {
  if (!FLOAT_RE.test(str)) throw new CelError(`strconv.ParseFloat: parsing ${JSON.stringify(str)}: invalid syntax`);
  const l = str.toLowerCase().replace(/^\+/, "");
  if (l === "inf" || l === "infinity") return Infinity;
  if (l === "-inf" || l === "-infinity") return -Infinity;
  if (l === "nan" || l === "-nan") return NaN;
  const v = Number(str);
  if (!Number.isFinite(v)) throw new CelError(`strconv.ParseFloat: parsing ${JSON.stringify(str)}: value out of range`);
  return v;
}

const BOOL_STRINGS: Record<string, boolean> = {
  "1": true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  "0": false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

function doubleToInt(x: number): bigint {
  if (!Number.isFinite(x) || x <= -(2 ** 63) || x >= 2 ** 63) throw errIntOverflow();
  return BigInt(Math.trunc(x));
}
function doubleToUint(x: number): CelUint {
  if (!Number.isFinite(x) || x < 0 || x >= 2 ** 64) throw errUintOverflow();
  return new CelUint(BigInt(Math.trunc(x)));
}

const utf8Strict = new TextDecoder("utf-8", { fatal: true });

const conversions: Overload[] = [
  fn("int64_to_int64", "int", [T.int], T.int, (a) => a),
  fn("uint64_to_int64", "int", [T.uint], T.int, (a) => {
    if (u(a) > INT64_MAX) throw errIntOverflow();
    return u(a);
  }),
  fn("double_to_int64", "int", [T.double], T.int, (a) => doubleToInt(d(a))),
  fn("string_to_int64", "int", [T.string], T.int, (a) => parseGoInt(s(a))),
  fn("timestamp_to_int64", "int", [T.timestamp], T.int, (a) => floorDiv(ts(a), NS)),

  fn("uint64_to_uint64", "uint", [T.uint], T.uint, (a) => a),
  fn("int64_to_uint64", "uint", [T.int], T.uint, (a) => {
    if (i(a) < 0n) throw errUintOverflow();
    return new CelUint(i(a));
  }),
  fn("double_to_uint64", "uint", [T.double], T.uint, (a) => doubleToUint(d(a))),
  fn("string_to_uint64", "uint", [T.string], T.uint, (a) => new CelUint(parseGoUint(s(a)))),

  fn("double_to_double", "double", [T.double], T.double, (a) => a),
  fn("int64_to_double", "double", [T.int], T.double, (a) => Number(i(a))),
  fn("uint64_to_double", "double", [T.uint], T.double, (a) => Number(u(a))),
  fn("string_to_double", "double", [T.string], T.double, (a) => parseGoFloat(s(a))),

  fn("string_to_string", "string", [T.string], T.string, (a) => a),
  fn("int64_to_string", "string", [T.int], T.string, toCelString),
  fn("uint64_to_string", "string", [T.uint], T.string, toCelString),
  fn("double_to_string", "string", [T.double], T.string, (a) => formatDouble(d(a))),
  fn("bytes_to_string", "string", [T.bytes], T.string, (a) => {
    try {
      return utf8Strict.decode(a as Uint8Array);
    } catch {
      throw new CelError("invalid UTF-8 in bytes, cannot convert to string");
    }
  }),
  fn("bool_to_string", "string", [T.bool], T.string, toCelString),
  fn("timestamp_to_string", "string", [T.timestamp], T.string, toCelString),
  fn("duration_to_string", "string", [T.duration], T.string, toCelString),

  fn("bytes_to_bytes", "bytes", [T.bytes], T.bytes, (a) => a),
  fn("string_to_bytes", "bytes", [T.string], T.bytes, (a) => new TextEncoder().encode(s(a))),

  fn("bool_to_bool", "bool", [T.bool], T.bool, (a) => a),
  fn("string_to_bool", "bool", [T.string], T.bool, (a) => {
    const b = BOOL_STRINGS[s(a)];
    if (b === undefined) throw new CelError(`strconv.ParseBool: parsing ${JSON.stringify(s(a))}: invalid syntax`);
    return b;
  }),

  fn("timestamp_to_timestamp", "timestamp", [T.timestamp], T.timestamp, (a) => a),
  fn("string_to_timestamp", "timestamp", [T.string], T.timestamp, (a) => parseTimestamp(s(a))),
  fn("int64_to_timestamp", "timestamp", [T.int], T.timestamp, (a) => timestampFromSeconds(i(a))),

  fn("duration_to_duration", "duration", [T.duration], T.duration, (a) => a),
  fn("string_to_duration", "duration", [T.string], T.duration, (a) => parseDuration(s(a))),

  fn("to_dyn", "dyn", [A], T.dyn, (a) => a),
  fn("type", "type", [A], T.type(A), (a) => new CelTypeValue(typeName(a))),
];

// ------------------------------------------------------------ timestamp / duration accessors

type CivilField = (c: ReturnType<typeof civil>) => number;
const TS_ACCESSORS: [string, string, CivilField][] = [
  ["getFullYear", "timestamp_to_year", (c) => c.year],
  ["getMonth", "timestamp_to_month", (c) => c.month - 1],
  ["getDayOfYear", "timestamp_to_day_of_year", (c) => c.yday],
  ["getDayOfMonth", "timestamp_to_day_of_month", (c) => c.day - 1],
  ["getDate", "timestamp_to_day_of_month_1_based", (c) => c.day],
  ["getDayOfWeek", "timestamp_to_day_of_week", (c) => c.weekday],
  ["getHours", "timestamp_to_hours", (c) => c.hour],
  ["getMinutes", "timestamp_to_minutes", (c) => c.minute],
  ["getSeconds", "timestamp_to_seconds", (c) => c.second],
  ["getMilliseconds", "timestamp_to_milliseconds", (c) => Math.floor(c.nanos / 1e6)],
];
const DUR_ACCESSORS: [string, string, bigint][] = [
  ["getHours", "duration_to_hours", 3600n * NS],
  ["getMinutes", "duration_to_minutes", 60n * NS],
  ["getSeconds", "duration_to_seconds", NS],
  ["getMilliseconds", "duration_to_milliseconds", 1_000_000n],
];
const accessors: Overload[] = [
  ...TS_ACCESSORS.flatMap(([name, id, f]) => [
    method(id, name, [T.timestamp], T.int, (t) => BigInt(f(civil(t as Timestamp)))),
    method(`${id}_with_tz`, name, [T.timestamp, T.string], T.int, (t, z) => BigInt(f(civil(t as Timestamp, s(z))))),
  ]),
  ...DUR_ACCESSORS.map(([name, id, unit]) =>
    // getMilliseconds is the millisecond component (cel-go), the others are whole-duration truncations
    method(id, name, [T.duration], T.int, name === "getMilliseconds" ? (x) => (du(x) / unit) % 1000n : (x) => du(x) / unit),
  ),
];

// ------------------------------------------------------------ type identifiers

const typeIdent = (name: string, of: CelType): IdentDecl => ({ name, type: T.type(of), value: new CelTypeValue(name) });
export const typeIdents: IdentDecl[] = [
  typeIdent("int", T.int),
  typeIdent("uint", T.uint),
  typeIdent("double", T.double),
  typeIdent("bool", T.bool),
  typeIdent("string", T.string),
  typeIdent("bytes", T.bytes),
  typeIdent("list", T.list(T.dyn)),
  typeIdent("map", T.map(T.dyn, T.dyn)),
  typeIdent("null_type", T.null),
  typeIdent("type", T.type(T.dyn)),
  typeIdent("google.protobuf.Timestamp", T.timestamp),
  typeIdent("google.protobuf.Duration", T.duration),
];

export const coreLibrary: Library = {
  name: "cel.stdlib",
  since: "1.0",
  overloads: [...arithmetic, ...logic, ...ordering, ...containers, ...strings, ...conversions, ...accessors],
  idents: typeIdents,
};

export { celEquals, Duration };

// Type builtins (OPA v1/topdown/type.go, type_name.go, casts.go): is_number … is_null (false, not undefined, for
// other types), type_name, to_number (Go strconv.ParseFloat's grammar; inf/nan rejected), and the deprecated
// cast_array / cast_set / cast_string / cast_boolean / cast_null / cast_object.
import { RObject, RSet, typeName, type Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { fail, goQuote, isArr, isSet, typeErr } from "./util.js";

/** Go's underscoreOK: underscores only between digits (a base prefix counts as a digit). */
function underscoreOK(s: string): boolean {
  let saw = "^";
  let i = 0;
  if (s.startsWith("+") || s.startsWith("-")) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === "0" && "bBoOxX".includes(s[1]!)) {
    i = 2;
    saw = "0";
    hex = s[1] === "x" || s[1] === "X";
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= "0" && c <= "9") || (hex && /[a-fA-F]/.test(c))) {
      saw = "0";
      continue;
    }
    if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

const DECIMAL = /^[+-]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9][0-9_]*)?$/;
const HEXFLOAT = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9][0-9_]*)$/;

/** Go's strconv.ParseFloat(s, 64): the value, or an error text. */
export function parseGoFloat(s: string): number | { error: string } {
  const syntax = { error: `strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax` };
  const range = { error: `strconv.ParseFloat: parsing ${goQuote(s)}: value out of range` };
  const lower = s.replace(/^[+-]/, "").toLowerCase();
  if (lower === "inf" || lower === "infinity") return s.startsWith("-") ? -Infinity : Infinity;
  if (lower === "nan") return NaN;
  if (s.includes("_") && !underscoreOK(s)) return syntax;
  const plain = s.replace(/_/g, "");
  let value: number;
  const hex = HEXFLOAT.exec(s);
  if (hex) {
    const intDigits = hex[2]!.replace(/_/g, "");
    const fracDigits = (hex[3] ?? "").replace(/_/g, "");
    if (intDigits.length + fracDigits.length === 0) return syntax;
    const mantissa = BigInt("0x" + (intDigits + fracDigits || "0"));
    const exp = Number(hex[4]!.replace(/_/g, "")) - 4 * fracDigits.length;
    value = Number(mantissa) * 2 ** exp;
    if (hex[1] === "-") value = -value;
  } else {
    if (!DECIMAL.test(s) || !/[0-9]/.test(plain.split(/[eE]/)[0]!)) return syntax;
    value = Number(plain);
  }
  if (!Number.isFinite(value)) return range;
  return value === 0 ? 0 : value;
}

function toNumber(v: Value): Value {
  if (v === null) return 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const lower = v.replace(/^[+-]+/, "").toLowerCase();
    if (lower === "inf" || lower === "infinity" || lower === "nan") throw typeErr(1, v, "valid number string");
    const parsed = parseGoFloat(v);
    if (typeof parsed !== "number") throw fail(parsed.error);
    return parsed;
  }
  throw typeErr(1, v, "null", "boolean", "number", "string");
}

function is(t: string): BuiltinDef[2] {
  return ([v]) => typeName(v!) === t;
}

export const TYPES: BuiltinDef[] = [
  ["is_number", 1, is("number")],
  ["is_string", 1, is("string")],
  ["is_boolean", 1, is("boolean")],
  ["is_array", 1, is("array")],
  ["is_set", 1, is("set")],
  ["is_object", 1, is("object")],
  ["is_null", 1, is("null")],
  ["type_name", 1, ([v]) => typeName(v!)],
  ["to_number", 1, ([v]) => toNumber(v!)],
  [
    "cast_array",
    1,
    ([v]) => {
      const x = v!;
      if (isArr(x)) return x;
      if (isSet(x)) return x.sorted();
      throw typeErr(1, x, "array", "set");
    },
  ],
  [
    "cast_set",
    1,
    ([v]) => {
      const x = v!;
      if (isArr(x)) return new RSet(x);
      if (isSet(x)) return x;
      throw typeErr(1, x, "array", "set");
    },
  ],
  ["cast_string", 1, ([v]) => (typeof v === "string" ? v : throwType(v!, "string"))],
  ["cast_boolean", 1, ([v]) => (typeof v === "boolean" ? v : throwType(v!, "boolean"))],
  ["cast_null", 1, ([v]) => (v === null ? null : throwType(v!, "null"))],
  ["cast_object", 1, ([v]) => (v instanceof RObject ? v : throwType(v!, "object"))],
];

function throwType(v: Value, t: string): never {
  throw typeErr(1, v, t);
}

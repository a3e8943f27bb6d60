// Shared helpers for the builtins: OPA's operand errors (v1/topdown/builtins/builtins.go), operand coercions,
// number classification for JS doubles, code point helpers, and Rego's textual form of values (ast Value.String()).
import { RObject, RSet, typeName, type Value } from "../../value.js";

/** An operand type error (OPA's builtins.ErrOperand → eval_type_error); the registry prefixes the builtin name. */
export class OperandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OperandError";
  }
}

/** Any other builtin failure (→ eval_builtin_error); the registry prefixes the builtin name. */
export class BuiltinFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuiltinFailure";
  }
}

export function operandErr(pos: number, message: string): OperandError {
  return new OperandError(`operand ${pos} ${message}`);
}

/** `operand N must be T but got X` / `operand N must be one of {A, B} but got X` */
export function typeErr(pos: number, got: Value, ...expected: string[]): OperandError {
  if (expected.length === 1) return operandErr(pos, `must be ${expected[0]} but got ${typeName(got)}`);
  return operandErr(pos, `must be one of {${expected.join(", ")}} but got ${typeName(got)}`);
}

/** `operand N must be array of strings but got array containing number` */
export function elementErr(pos: number, composite: Value, got: Value, ...expected: string[]): OperandError {
  const t = typeName(composite);
  if (expected.length === 1) return operandErr(pos, `must be ${t} of ${expected[0]}s but got ${t} containing ${typeName(got)}`);
  return operandErr(pos, `must be ${t} of (any of) {${expected.join(", ")}} but got ${t} containing ${typeName(got)}`);
}

/** `operand N must be one of {a, b}` */
export function enumErr(pos: number, ...expected: string[]): OperandError {
  if (expected.length === 1) return operandErr(pos, `must be ${expected[0]}`);
  return operandErr(pos, `must be one of {${expected.join(", ")}}`);
}

export function fail(message: string): BuiltinFailure {
  return new BuiltinFailure(message);
}

// ---- operand coercions ---------------------------------------------------------------------------------------------

export function isObject(v: Value): v is RObject {
  return v instanceof RObject;
}
export function isSet(v: Value): v is RSet {
  return v instanceof RSet;
}
export function isArr(v: Value): v is readonly Value[] {
  return Array.isArray(v);
}

export function str(v: Value, pos: number): string {
  if (typeof v !== "string") throw typeErr(pos, v, "string");
  return v;
}
export function num(v: Value, pos: number): number {
  if (typeof v !== "number") throw typeErr(pos, v, "number");
  return v;
}
export function obj(v: Value, pos: number): RObject {
  if (!(v instanceof RObject)) throw typeErr(pos, v, "object");
  return v;
}
export function set(v: Value, pos: number): RSet {
  if (!(v instanceof RSet)) throw typeErr(pos, v, "set");
  return v;
}
export function arr(v: Value, pos: number): readonly Value[] {
  if (!Array.isArray(v)) throw typeErr(pos, v, "array");
  return v as readonly Value[];
}

/** OPA's IntOperand: a number that is an integer. */
export function int(v: Value, pos: number): number {
  if (typeof v !== "number") throw typeErr(pos, v, "number");
  if (!Number.isInteger(v)) throw operandErr(pos, "must be integer number but got floating-point number");
  return v;
}

/** OPA's BigIntOperand (note the type error says `integer`). */
export function bigInt(v: Value, pos: number): bigint {
  if (typeof v !== "number") throw typeErr(pos, v, "integer");
  if (!Number.isInteger(v)) throw operandErr(pos, "must be integer number but got floating-point number");
  return BigInt(v);
}

/** OPA's StringSliceOperand: an array or set of strings. */
export function stringSlice(v: Value, pos: number): string[] {
  const items = isArr(v) ? v : isSet(v) ? v.sorted() : undefined;
  if (items === undefined) throw typeErr(pos, v, "array", "set");
  return items.map((item) => {
    if (typeof item !== "string") throw elementErr(pos, v, item, "string");
    return item;
  });
}

/** The elements of an array, or of a set in OPA's (sorted) order. */
export function elements(v: readonly Value[] | RSet): readonly Value[] {
  return isArr(v) ? v : (v as RSet).sorted();
}

// ---- numbers -------------------------------------------------------------------------------------------------------

/** A JS number holding an integer small enough to print without an exponent (OPA would keep it as an int). */
export function isIntegral(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 1e21;
}

/** Normalises -0 to 0 (OPA numbers have no negative zero once they reach JSON). */
export function normZero(n: number): number {
  return n === 0 ? 0 : n;
}

/** A bigint back to a number value. */
export function fromBig(b: bigint): number {
  return normZero(Number(b));
}

/** The decimal text of a number as OPA would print it: integers below 1e21 in full (their exact value, also
 *  beyond 2^53), anything else as JS prints it (shortest round trip, exponent from 1e21 and below 1e-6). */
export function numberText(n: number): string {
  if (n === 0) return "0";
  if (isIntegral(n)) return BigInt(n).toString();
  return String(n);
}

// ---- strings -------------------------------------------------------------------------------------------------------

/** The code points of a string (Go's []rune). */
export function runes(s: string): string[] {
  return Array.from(s);
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8");

export function utf8Bytes(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}
/** Bytes as a string; invalid UTF-8 becomes U+FFFD (Go would keep the raw bytes: a known gap). */
export function utf8String(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isPrint(cp: number): boolean {
  if (cp === 0x20) return true;
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(String.fromCodePoint(cp));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/** Go's strconv.Quote (asciiOnly: QuoteToASCII). */
export function goQuote(s: string, asciiOnly = false, quote = '"'): string {
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += "\\ufffd"; // a lone surrogate: Go would see invalid UTF-8
      continue;
    }
    if (ch === quote || ch === "\\") {
      out += "\\" + ch;
      continue;
    }
    if (asciiOnly ? cp < 0x7f && isPrint(cp) : isPrint(cp)) {
      out += ch;
      continue;
    }
    switch (cp) {
      case 0x07:
        out += "\\a";
        break;
      case 0x08:
        out += "\\b";
        break;
      case 0x0c:
        out += "\\f";
        break;
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x09:
        out += "\\t";
        break;
      case 0x0b:
        out += "\\v";
        break;
      default:
        if (cp < 0x20 || cp === 0x7f) out += "\\x" + hex(cp, 2);
        else if (cp < 0x10000) out += "\\u" + hex(cp, 4);
        else out += "\\U" + hex(cp, 8);
    }
  }
  return out + quote;
}

/** Rego's textual form of a value, as OPA's ast Value.String() prints it (used by sprintf %v and messages). */
export function regoString(v: Value): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "number":
      return numberText(v);
    case "string":
      return goQuote(v);
  }
  if (isArr(v)) return "[" + v.map(regoString).join(", ") + "]";
  if (isSet(v)) return v.size === 0 ? "set()" : "{" + v.sorted().map(regoString).join(", ") + "}";
  const o = v as RObject;
  return "{" + o.sortedEntries().map(([k, x]) => `${regoString(k)}: ${regoString(x)}`).join(", ") + "}";
}

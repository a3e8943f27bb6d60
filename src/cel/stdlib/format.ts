// Text rendering of CEL values as cel-go does it: string(double) (Go strconv 'g', shortest), Go %q quoting,
// and ext.Strings `format` as used by Kubernetes (strings library version 2 → cel-go's v1 formatter,
// locale en_US: %f groups thousands, %e uses "×10ⁿⁿ" like golang.org/x/text/message).
import { CelError, CelMap, CelTypeValue, CelUint, Duration, Timestamp, typeName, type Value } from "../values.js";
import { compareStrings } from "./ops.js";
import { formatDuration, formatTimestamp } from "./time.js";

/** Go strconv.FormatFloat(x, 'g', -1, 64). */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const neg = x < 0;
  const [mant, expS] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = Number(expS);
  let out: string;
  if (exp < -4 || exp >= 6) {
    out = digits[0]! + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
  } else if (exp >= digits.length - 1) out = digits + "0".repeat(exp - digits.length + 1);
  else if (exp >= 0) out = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
  else out = "0." + "0".repeat(-exp - 1) + digits;
  return (neg ? "-" : "") + out;
}

/** Go strconv.Quote / fmt %q. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case "\x07":
        out += "\\a";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\v":
        out += "\\v";
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case '"':
        out += '\\"';
        continue;
    }
    if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad) out += "\\u" + c.toString(16).padStart(4, "0");
    else if (c >= 0xd800 && c <= 0xdfff) out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}

/** cel-go strings.quote (ext/strings.go). */
export function celQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case "\x07":
        out += "\\a";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\f":
        out += "\\f";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      case "\v":
        out += "\\v";
        break;
      case "\\":
        out += "\\\\";
        break;
      case '"':
        out += '\\"';
        break;
      default: {
        const c = ch.codePointAt(0)!;
        out += c >= 0xd800 && c <= 0xdfff ? "\ufffd" : ch;
      }
    }
  }
  return out + '"';
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** string(x) conversion for scalar kinds (cel-go ConvertToType(StringType)). */
export function toCelString(v: Value): string {
  switch (typeof v) {
    case "string":
      return v;
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return v.toString();
    case "number":
      return formatDouble(v);
  }
  if (v instanceof CelUint) return v.v.toString();
  if (v instanceof Uint8Array) return utf8.decode(v);
  if (v instanceof Timestamp) return formatTimestamp(v);
  if (v instanceof Duration) return formatDuration(v);
  if (v instanceof CelTypeValue) return v.name;
  throw new CelError(`type conversion error from '${typeName(v)}' to 'string'`);
}

// ------------------------------------------------------------ format (v1 formatter)

const fmtErr = (msg: string): CelError => new CelError(`error during formatting: ${msg}`);

function groupThousands(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Go %.Nf (round half to even on the exact binary value, as Go does). */
export function toFixedGo(x: number, prec: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  // JS toFixed rounds the exact binary value half-up; ties at the exact binary value are rare except for
  // values like 0.5/2.5 exactly representable: Go rounds those to even.
  let s = Math.abs(x).toFixed(Math.min(prec, 100));
  const scaled = Math.abs(x) * 10 ** prec;
  if (Number.isFinite(scaled) && scaled - Math.floor(scaled) === 0.5 && Number.isSafeInteger(Math.floor(scaled))) {
    const fl = Math.floor(scaled);
    const even = fl % 2 === 0 ? fl : fl + 1;
    s = (even / 10 ** prec).toFixed(prec);
  }
  return (x < 0 || Object.is(x, -0) ? "-" : "") + s;
}

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";

function localizedFixed(x: number, prec: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  const s = toFixedGo(x, prec);
  const neg = s.startsWith("-");
  const body = neg ? s.slice(1) : s;
  const [ip, fp] = body.split(".") as [string, string | undefined];
  return (neg ? "-" : "") + groupThousands(ip) + (fp !== undefined ? "." + fp : "");
}

function localizedScientific(x: number, prec: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "-∞";
  const [m, e] = x.toExponential(prec).split("e") as [string, string];
  const exp = Number(e);
  const digits = String(Math.abs(exp)).padStart(2, "0");
  const sup = [...digits].map((d) => SUPERSCRIPT[Number(d)]).join("");
  return `${m}\u202f×\u202f10${exp < 0 ? "⁻" : ""}${sup}`;
}

function formatDecimal(v: Value): string {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof CelUint) return v.v.toString();
  throw fmtErr(`decimal clause can only be used on integers, was given ${typeName(v)}`);
}

function stringClause(v: Value): string {
  if (Array.isArray(v)) return formatList(v);
  if (v instanceof CelMap) return formatMap(v);
  if (v === null) return "null";
  if (
    typeof v === "string" ||
    typeof v === "boolean" ||
    typeof v === "bigint" ||
    typeof v === "number" ||
    v instanceof CelUint ||
    v instanceof Uint8Array ||
    v instanceof Timestamp ||
    v instanceof Duration ||
    v instanceof CelTypeValue
  ) {
    return toCelString(v);
  }
  throw fmtErr(
    `string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps, was given ${typeName(v)}`,
  );
}

/** Element rendering inside lists/maps (cel-go clauseForType + quoteForCEL). */
function memberClause(v: Value): string {
  if (typeof v === "bigint" || v instanceof CelUint) return formatDecimal(v);
  if (typeof v === "string") return goQuote(v);
  if (v instanceof Uint8Array) return "b" + goQuote(utf8.decode(v));
  if (typeof v === "boolean" || v === null || v instanceof CelTypeValue) return stringClause(v);
  if (v instanceof Timestamp) return `timestamp(${goQuote(formatTimestamp(v))})`;
  if (v instanceof Duration) return `duration(${goQuote(formatDuration(v))})`;
  if (Array.isArray(v)) return formatList(v);
  if (v instanceof CelMap) return formatMap(v);
  if (typeof v === "number") {
    const s = toFixedGo(v, 6);
    return Number.isFinite(v) ? s : goQuote(s);
  }
  throw new CelError(`no formatting function for ${typeName(v)}`);
}

function formatList(l: readonly Value[]): string {
  return "[" + l.map(memberClause).join(", ") + "]";
}

function formatMap(m: CelMap): string {
  const pairs: [string, string][] = [];
  for (const [k, v] of m.entries()) {
    let ks: string;
    if (typeof k === "string") ks = goQuote(k);
    else if (typeof k === "boolean") ks = String(k);
    else if (typeof k === "bigint" || k instanceof CelUint) ks = formatDecimal(k);
    else throw new CelError(`no formatting function for map key of type ${typeName(k)}`);
    pairs.push([ks, memberClause(v)]);
  }
  pairs.sort((a, b) => compareStrings(a[0], b[0]));
  return "{" + pairs.map(([k, v]) => `${k}:${v}`).join(", ") + "}";
}

function goIntFormat(v: Value, radix: number, upper: boolean, what: "binary" | "hex" | "octal"): string {
  if (typeof v === "bigint" || v instanceof CelUint) {
    const n = typeof v === "bigint" ? v : v.v;
    const s = (n < 0n ? "-" : "") + (n < 0n ? -n : n).toString(radix);
    return upper ? s.toUpperCase() : s;
  }
  if (what === "binary" && typeof v === "boolean") return v ? "1" : "0";
  if (what === "hex" && (typeof v === "string" || v instanceof Uint8Array)) {
    const bytes = typeof v === "string" ? new TextEncoder().encode(v) : v;
    const s = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return upper ? s.toUpperCase() : s;
  }
  if (what === "binary") throw fmtErr(`only integers and bools can be formatted as binary, was given ${typeName(v)}`);
  if (what === "hex") throw fmtErr(`only integers, byte buffers, and strings can be formatted as hex, was given ${typeName(v)}`);
  throw fmtErr(`octal clause can only be used on integers, was given ${typeName(v)}`);
}

function floatArg(v: Value, clause: "fixed-point" | "scientific"): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && (v === "NaN" || v === "Infinity" || v === "-Infinity")) {
    return v === "NaN" ? NaN : v === "Infinity" ? Infinity : -Infinity;
  }
  throw fmtErr(`${clause} clause can only be used on doubles, was given ${typeName(v)}`);
}

/** `<string>.format(<list>)`. */
export function formatString(fmt: string, args: readonly Value[]): string {
  let out = "";
  let argIndex = 0;
  let i = 0;
  while (i < fmt.length) {
    const ch = fmt[i]!;
    if (ch !== "%") {
      out += ch;
      i++;
      continue;
    }
    if (fmt[i + 1] === "%") {
      out += "%";
      i += 2;
      continue;
    }
    if (argIndex >= args.length) throw new CelError(`index ${argIndex} out of range`);
    const arg = args[argIndex]!;
    if (i + 1 >= fmt.length) throw new CelError("unexpected end of string");
    let j = i + 1;
    let precision: number | undefined;
    if (fmt[j] === ".") {
      j++;
      let digits = "";
      for (;;) {
        if (j >= fmt.length) throw new CelError("could not parse formatting clause: error while parsing precision: could not find end of precision specifier");
        if (!/[0-9]/.test(fmt[j]!)) break;
        digits += fmt[j];
        j++;
      }
      if (digits === "") {
        throw new CelError(
          'could not parse formatting clause: error while parsing precision: error while converting precision to integer: strconv.Atoi: parsing "": invalid syntax',
        );
      }
      precision = Number(digits);
    }
    const verb = fmt[j]!;
    j++;
    let s: string;
    switch (verb) {
      case "s":
        s = stringClause(arg);
        break;
      case "d":
        s = formatDecimal(arg);
        break;
      case "f":
        s = localizedFixed(floatArg(arg, "fixed-point"), precision ?? 6);
        break;
      case "e":
        s = localizedScientific(floatArg(arg, "scientific"), precision ?? 6);
        break;
      case "b":
        s = goIntFormat(arg, 2, false, "binary");
        break;
      case "x":
      case "X":
        s = goIntFormat(arg, 16, verb === "X", "hex");
        break;
      case "o":
        s = goIntFormat(arg, 8, false, "octal");
        break;
      default:
        throw new CelError(`could not parse formatting clause: unrecognized formatting clause "${verb}"`);
    }
    out += s;
    i = j;
    argIndex++;
  }
  return out;
}

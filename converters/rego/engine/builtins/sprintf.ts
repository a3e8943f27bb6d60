// sprintf (OPA v1/topdown/strings.go builtinSprintf) on top of an emulation of Go's fmt.Sprintf. OPA hands Go
// an int for integral numbers (a *big.Int beyond int64), a float64 otherwise, the string itself for strings, and
// the Rego text (ast Value.String()) for every other value; Go then formats, including its error forms
// (`%!d(string=x)`, `%!s(int=5)`, `%!v(MISSING)`, `%!(EXTRA int=1)`). Also exports Go's float formatting.
import type { Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { arr, goQuote, isPrint, regoString, runes, str, utf8Bytes } from "./util.js";

export type GoArg =
  | { t: "int"; v: bigint }
  | { t: "bigint"; v: bigint }
  | { t: "float"; v: number }
  | { t: "string"; v: string };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** How OPA passes a Rego value to fmt.Sprintf. */
export function toGoArg(v: Value): GoArg {
  if (typeof v === "number") {
    if (Number.isInteger(v) && Math.abs(v) < 1e21) {
      const b = BigInt(v);
      return b >= INT64_MIN && b <= INT64_MAX ? { t: "int", v: b } : { t: "bigint", v: b };
    }
    return { t: "float", v };
  }
  if (typeof v === "string") return { t: "string", v };
  return { t: "string", v: regoString(v) };
}

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  sharpV: boolean;
  wid: number;
  widPresent: boolean;
  prec: number;
  precPresent: boolean;
}

function newFlags(): Flags {
  return {
    plus: false,
    minus: false,
    sharp: false,
    space: false,
    zero: false,
    sharpV: false,
    wid: 0,
    widPresent: false,
    prec: 0,
    precPresent: false,
  };
}

function typeString(a: GoArg): string {
  switch (a.t) {
    case "int":
      return "int";
    case "bigint":
      return "*big.Int";
    case "float":
      return "float64";
    case "string":
      return "string";
  }
}

/** Go fmt's pad: width counts code points; zero padding only to the left. */
function pad(f: Flags, s: string): string {
  if (!f.widPresent || f.wid === 0) return s;
  const n = f.wid - runes(s).length;
  if (n <= 0) return s;
  if (f.minus) return s + " ".repeat(n);
  return (f.zero ? "0" : " ").repeat(n) + s;
}

function padSpaces(f: Flags, s: string): string {
  return pad({ ...f, zero: false }, s);
}

// ---- integers ------------------------------------------------------------------------------------------------------

function fmtInteger(f: Flags, v: bigint, base: number, verb: string): string {
  const negative = v < 0n;
  let digits = (negative ? -v : v).toString(base);
  if (verb === "X") digits = digits.toUpperCase();
  let prec = 0;
  if (f.precPresent) {
    prec = f.prec;
    if (prec === 0 && v === 0n) return padSpaces(f, "");
  } else if (f.zero && !f.minus && f.widPresent) {
    prec = f.wid;
    if (negative || f.plus || f.space) prec--;
  }
  if (digits.length < prec) digits = "0".repeat(prec - digits.length) + digits;
  if (f.sharp) {
    if (base === 2) digits = "0b" + digits;
    else if (base === 8 && digits[0] !== "0") digits = "0" + digits;
    else if (base === 16) digits = (verb === "X" ? "0X" : "0x") + digits;
  }
  if (verb === "O") digits = "0o" + digits;
  if (negative) digits = "-" + digits;
  else if (f.plus) digits = "+" + digits;
  else if (f.space) digits = " " + digits;
  return padSpaces(f, digits);
}

function validRune(v: bigint): string {
  if (v < 0n || v > 0x10ffffn || (v >= 0xd800n && v <= 0xdfffn)) return "\ufffd";
  return String.fromCodePoint(Number(v));
}

function fmtGoInt(f: Flags, v: bigint, verb: string, arg: GoArg): string {
  switch (verb) {
    case "v":
    case "d":
      return fmtInteger(f, v, 10, verb);
    case "b":
      return fmtInteger(f, v, 2, verb);
    case "o":
    case "O":
      return fmtInteger(f, v, 8, verb);
    case "x":
    case "X":
      return fmtInteger(f, v, 16, verb);
    case "c":
      return pad(f, validRune(v));
    case "q":
      return pad(f, goQuote(validRune(v), f.plus, "'"));
    case "U": {
      let s = "U+" + (v < 0n ? (v & 0xffffffffffffffffn) : v).toString(16).toUpperCase().padStart(4, "0");
      if (f.sharp && v >= 0n && v <= 0x10ffffn && isPrint(Number(v))) s += ` '${String.fromCodePoint(Number(v))}'`;
      return padSpaces(f, s);
    }
    default:
      return badVerb(f, verb, arg);
  }
}

/** big.Int's Format method. */
function fmtBigInt(f: Flags, v: bigint, verb: string): string {
  let base: number;
  switch (verb) {
    case "b":
      base = 2;
      break;
    case "o":
    case "O":
      base = 8;
      break;
    case "d":
    case "s":
    case "v":
      base = 10;
      break;
    case "x":
    case "X":
      base = 16;
      break;
    default:
      return `%!${verb}(big.Int=${v.toString()})`;
  }
  const sign = v < 0n ? "-" : f.plus ? "+" : f.space ? " " : "";
  let prefix = "";
  if (f.sharp) prefix = ({ b: "0b", o: "0", x: "0x", X: "0X" } as Record<string, string>)[verb] ?? "";
  if (verb === "O") prefix = "0o";
  let digits = (v < 0n ? -v : v).toString(base);
  if (verb === "X") digits = digits.toUpperCase();
  let zeros = 0;
  if (f.precPresent) {
    if (digits.length < f.prec) zeros = f.prec - digits.length;
    else if (digits === "0" && f.prec === 0) return "";
  }
  let left = 0;
  let right = 0;
  const length = sign.length + prefix.length + zeros + digits.length;
  if (f.widPresent && length < f.wid) {
    const d = f.wid - length;
    if (f.minus) right = d;
    else if (f.zero && !f.precPresent) zeros = d;
    else left = d;
  }
  return " ".repeat(left) + sign + prefix + "0".repeat(zeros) + digits + " ".repeat(right);
}

// ---- floats --------------------------------------------------------------------------------------------------------

/** Decimal digits (no leading/trailing zeros) with the decimal point at `dp`: value = 0.digits × 10^dp. */
interface Decimal {
  d: string;
  dp: number;
}

function trimZeros(d: Decimal): Decimal {
  let s = d.d.replace(/0+$/, "");
  let dp = d.dp;
  const lead = s.length - s.replace(/^0+/, "").length;
  s = s.slice(lead);
  dp -= lead;
  return s === "" ? { d: "", dp: 0 } : { d: s, dp };
}

/** The shortest digits that round-trip (what Go's strconv uses for precision -1). */
function shortestDigits(v: number): Decimal {
  if (v === 0) return { d: "", dp: 0 };
  const [mant, exp] = v.toExponential().split("e");
  return trimZeros({ d: mant!.replace(".", ""), dp: Number(exp) + 1 });
}

function float64Bits(v: number): { mant: bigint; exp2: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (bexp === 0) return { mant, exp2: -1074 };
  mant |= 1n << 52n;
  return { mant, exp2: bexp - 1075 };
}

/** The exact decimal expansion of a (positive, finite) double. */
function exactDigits(v: number): Decimal {
  if (v === 0) return { d: "", dp: 0 };
  const { mant, exp2 } = float64Bits(v);
  if (exp2 >= 0) {
    const s = (mant << BigInt(exp2)).toString();
    return trimZeros({ d: s, dp: s.length });
  }
  const s = (mant * 5n ** BigInt(-exp2)).toString();
  return trimZeros({ d: s, dp: s.length + exp2 });
}

/** Rounds to nd digits, half to even (Go's decimal.Round on an exact expansion). */
function roundDigits(d: Decimal, nd: number): Decimal {
  if (nd < 0) return { d: "", dp: 0 };
  if (nd >= d.d.length) return d;
  const next = d.d.charCodeAt(nd) - 48;
  let up: boolean;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else if (/[1-9]/.test(d.d.slice(nd + 1))) up = true;
  else up = nd > 0 && (d.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  if (!up) return trimZeros({ d: d.d.slice(0, nd), dp: d.dp });
  const digits = d.d.slice(0, nd).split("").map(Number);
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === 9) {
    digits[i] = 0;
    i--;
  }
  if (i < 0) return { d: "1", dp: d.dp + 1 };
  digits[i]!++;
  return trimZeros({ d: digits.join(""), dp: d.dp });
}

function fmtE(neg: boolean, d: Decimal, prec: number, verb: string): string {
  let s = neg ? "-" : "";
  s += d.d.length === 0 ? "0" : d.d[0];
  if (prec > 0) {
    s += ".";
    const frac = d.d.slice(1, 1 + prec);
    s += frac + "0".repeat(prec - frac.length);
  }
  s += verb;
  const exp = d.d.length === 0 ? 0 : d.dp - 1;
  s += exp < 0 ? "-" : "+";
  const e = String(Math.abs(exp));
  return s + (e.length < 2 ? "0" + e : e);
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let s = neg ? "-" : "";
  if (d.dp > 0) {
    const intDigits = d.d.slice(0, d.dp);
    s += intDigits + "0".repeat(d.dp - intDigits.length);
  } else s += "0";
  if (prec > 0) {
    s += ".";
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      s += j >= 0 && j < d.d.length ? d.d[j] : "0";
    }
  }
  return s;
}

/** Go's strconv.FormatFloat(v, fmt, prec, 64) for fmt in e, E, f, g, G (prec -1 = shortest). */
export function formatFloat(v: number, fmt: string, prec: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  const neg = v < 0 || Object.is(v, -0);
  const abs = Math.abs(v);
  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    d = shortestDigits(abs);
    if (fmt === "e" || fmt === "E") prec = Math.max(d.d.length - 1, 0);
    else if (fmt === "f") prec = Math.max(d.d.length - d.dp, 0);
    else prec = d.d.length;
  } else if (fmt !== "f") {
    let digits = prec;
    if (fmt === "e" || fmt === "E") digits++;
    else {
      if (prec === 0) prec = 1;
      digits = prec;
    }
    d = roundDigits(exactDigits(abs), digits);
  } else {
    const exact = exactDigits(abs);
    d = roundDigits(exact, exact.dp + prec);
  }
  switch (fmt) {
    case "e":
    case "E":
      return fmtE(neg, d, prec, fmt);
    case "f":
      return fmtF(neg, d, prec);
    default: {
      let eprec = prec;
      if (eprec > d.d.length && d.d.length >= d.dp) eprec = d.d.length;
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (d.d.length > 0 && (exp < -4 || exp >= eprec)) {
        if (prec > d.d.length) prec = d.d.length;
        return fmtE(neg, d, prec - 1, fmt === "G" ? "E" : "e");
      }
      if (prec > d.dp) prec = d.d.length;
      return fmtF(neg, d, Math.max(prec - d.dp, 0));
    }
  }
}

/** Go's %v of a float64 (also what text/template prints). */
export function goFloatString(v: number): string {
  return formatFloat(v, "g", -1);
}

function fmtBinaryFloat(v: number): string {
  const neg = v < 0 || Object.is(v, -0);
  const { mant, exp2 } = float64Bits(Math.abs(v));
  return (neg ? "-" : "") + mant.toString() + "p" + (exp2 >= 0 ? "+" : "-") + String(Math.abs(exp2));
}

function fmtHexFloat(v: number, upper: boolean): string {
  const neg = v < 0 || Object.is(v, -0);
  let s: string;
  if (v === 0) s = "0x0p+00";
  else {
    let { mant, exp2 } = float64Bits(Math.abs(v));
    while (mant < 1n << 52n) {
      mant <<= 1n;
      exp2--;
    }
    const frac = (mant & ((1n << 52n) - 1n)).toString(16).padStart(13, "0").replace(/0+$/, "");
    const exp = exp2 + 52;
    const e = String(Math.abs(exp));
    s = "0x1" + (frac ? "." + frac : "") + "p" + (exp < 0 ? "-" : "+") + (e.length < 2 ? "0" + e : e);
  }
  if (upper) s = s.toUpperCase();
  return (neg ? "-" : "") + s;
}

function fmtGoFloat(f: Flags, v: number, verb: string, arg: GoArg): string {
  let fmt: string;
  let prec: number;
  switch (verb) {
    case "v":
      fmt = "g";
      prec = -1;
      break;
    case "g":
    case "G":
      fmt = verb;
      prec = -1;
      break;
    case "e":
    case "E":
    case "f":
      fmt = verb;
      prec = 6;
      break;
    case "F":
      fmt = "f";
      prec = 6;
      break;
    case "b":
      return signedPad(f, fmtBinaryFloat(v));
    case "x":
    case "X":
      return signedPad(f, fmtHexFloat(v, verb === "X"));
    default:
      return badVerb(f, verb, arg);
  }
  if (f.precPresent) prec = f.prec;
  let num = formatFloat(v, fmt, prec);
  if (f.sharp && fmt !== "b") num = sharpFloat(num, fmt, prec);
  return signedPad(f, num);
}

/** The '#' flag: always a decimal point; %g keeps trailing zeros. */
function sharpFloat(num: string, fmt: string, prec: number): string {
  if (!/^[+-]?\d/.test(num)) return num;
  const m = /^([+-]?)([0-9.]*)([eE].*)?$/.exec(num);
  if (!m) return num;
  let mant = m[2]!;
  const tail = m[3] ?? "";
  if (!mant.includes(".")) mant += ".";
  if (fmt === "g" || fmt === "G") {
    const p = prec < 0 ? 6 : prec === 0 ? 1 : prec;
    const digits = mant.replace(".", "").replace(/^0+/, "").length || 1;
    if (digits < p) mant += "0".repeat(p - digits);
  }
  return m[1]! + mant + tail;
}

/** Go's fmtFloat sign and zero-padding handling around a formatted number. */
function signedPad(f: Flags, num: string): string {
  let signed = num[0] === "-" || num[0] === "+" ? num : "+" + num;
  if (f.space && signed[0] === "+" && !f.plus) signed = " " + signed.slice(1);
  if (signed[1] === "I" || signed[1] === "N") {
    if (signed[1] === "N" && !f.space && !f.plus) signed = signed.slice(1);
    return padSpaces(f, signed);
  }
  if (f.plus || signed[0] !== "+") {
    if (f.zero && !f.minus && f.widPresent && f.wid > signed.length) {
      return signed[0] + "0".repeat(f.wid - signed.length) + signed.slice(1);
    }
    return pad(f, signed);
  }
  return pad(f, signed.slice(1));
}

// ---- strings -------------------------------------------------------------------------------------------------------

function truncate(f: Flags, s: string): string {
  if (!f.precPresent) return s;
  const rs = runes(s);
  return rs.length > f.prec ? rs.slice(0, f.prec).join("") : s;
}

function fmtSx(f: Flags, s: string, upper: boolean): string {
  let bytes = utf8Bytes(s);
  if (f.precPresent && f.prec < bytes.length) bytes = bytes.slice(0, f.prec);
  const digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  let out = "";
  bytes.forEach((b, i) => {
    if (f.space && i > 0) out += " ";
    if (f.sharp && (f.space || i === 0)) out += upper ? "0X" : "0x";
    out += digits[b >> 4]! + digits[b & 15]!;
  });
  return pad(f, out);
}

function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === "`" || ch === "\ufeff") return false;
    if (cp < 0x20 && ch !== "\t") return false;
    if (cp === 0x7f) return false;
  }
  return true;
}

function fmtGoString(f: Flags, s: string, verb: string, arg: GoArg): string {
  switch (verb) {
    case "v":
      if (f.sharpV) return pad(f, goQuote(s));
      return pad(f, truncate(f, s));
    case "s":
      return pad(f, truncate(f, s));
    case "x":
      return fmtSx(f, s, false);
    case "X":
      return fmtSx(f, s, true);
    case "q": {
      const t = truncate(f, s);
      if (f.sharp && canBackquote(t)) return pad(f, "`" + t + "`");
      return pad(f, goQuote(t, f.plus));
    }
    default:
      return badVerb(f, verb, arg);
  }
}

// ---- dispatch ------------------------------------------------------------------------------------------------------

function printArg(f: Flags, arg: GoArg, verb: string): string {
  if (verb === "T") return pad(f, truncate(f, typeString(arg)));
  switch (arg.t) {
    case "int":
      return fmtGoInt(f, arg.v, verb, arg);
    case "bigint":
      return fmtBigInt(f, arg.v, verb);
    case "float":
      return fmtGoFloat(f, arg.v, verb, arg);
    case "string":
      return fmtGoString(f, arg.v, verb, arg);
  }
}

function badVerb(f: Flags, verb: string, arg: GoArg): string {
  return `%!${verb}(${typeString(arg)}=${printArg({ ...f, sharp: false, sharpV: false }, arg, "v")})`;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** Go's fmt.Sprintf over already-converted arguments. */
export function goSprintf(format: string, args: readonly GoArg[]): string {
  let out = "";
  let argNum = 0;
  let reordered = false;
  const end = format.length;
  let i = 0;
  while (i < end) {
    const next = format.indexOf("%", i);
    if (next < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, next);
    i = next + 1;
    const f = newFlags();
    let goodArgNum = true;
    // flags
    for (; i < end; i++) {
      const c = format[i];
      if (c === "#") f.sharp = true;
      else if (c === "0") f.zero = !f.minus;
      else if (c === "+") f.plus = true;
      else if (c === "-") {
        f.minus = true;
        f.zero = false;
      } else if (c === " ") f.space = true;
      else break;
    }
    // argument index
    const argIndex = (): boolean => {
      if (format[i] !== "[") return false;
      reordered = true;
      const close = format.indexOf("]", i + 1);
      const text = close < 0 ? "" : format.slice(i + 1, close);
      if (close < 0 || !/^[0-9]+$/.test(text) || Number(text) < 1 || Number(text) > args.length) {
        goodArgNum = false;
        i = close < 0 ? end : close + 1;
        return true;
      }
      argNum = Number(text) - 1;
      i = close + 1;
      return true;
    };
    let afterIndex = argIndex();
    // width
    if (format[i] === "*") {
      i++;
      const a = args[argNum];
      if (a?.t === "int" && a.v >= -1000000n && a.v <= 1000000n) {
        f.wid = Number(a.v);
        f.widPresent = true;
        if (f.wid < 0) {
          f.minus = true;
          f.zero = false;
          f.wid = -f.wid;
        }
      } else out += "%!(BADWIDTH)";
      argNum++;
      afterIndex = false;
    } else {
      const start = i;
      while (isDigit(format[i])) i++;
      if (i > start) {
        f.wid = Number(format.slice(start, i));
        f.widPresent = true;
        if (afterIndex) goodArgNum = false; // "%[3]2d"
      }
    }
    // precision
    if (format[i] === ".") {
      i++;
      if (afterIndex) goodArgNum = false; // "%[3].2d"
      afterIndex = argIndex();
      if (format[i] === "*") {
        i++;
        const a = args[argNum];
        if (a?.t === "int" && a.v >= -1000000n && a.v <= 1000000n) {
          f.prec = Number(a.v);
          f.precPresent = f.prec >= 0;
          if (f.prec < 0) f.prec = 0;
        } else out += "%!(BADPREC)";
        argNum++;
        afterIndex = false;
      } else {
        const start = i;
        while (isDigit(format[i])) i++;
        f.prec = Number(format.slice(start, i) || "0");
        f.precPresent = true;
      }
    }
    if (!afterIndex) afterIndex = argIndex();
    if (i >= end) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === "%") {
      out += "%";
    } else if (!goodArgNum) {
      out += `%!${verb}(BADINDEX)`;
    } else if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
    } else {
      if (verb === "v") {
        f.sharpV = f.sharp;
        f.sharp = false;
        f.plus = false;
      }
      out += printArg(f, args[argNum]!, verb);
      argNum++;
    }
  }
  if (!reordered && argNum < args.length) {
    out +=
      "%!(EXTRA " +
      args
        .slice(argNum)
        .map((a) => `${typeString(a)}=${printArg(newFlags(), a, "v")}`)
        .join(", ") +
      ")";
  }
  return out;
}

function sprintf(format: Value, values: Value): string {
  const fmt = str(format, 1);
  const list = arr(values, 2);
  return goSprintf(fmt, list.map(toGoArg));
}

export const SPRINTF: BuiltinDef[] = [["sprintf", 2, ([f, v]) => sprintf(f!, v!)]];

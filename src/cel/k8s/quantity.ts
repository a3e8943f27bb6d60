// Kubernetes quantity library (apiserver pkg/cel/library/quantity.go, env 1.28): quantity(), isQuantity(), compareTo,
// isGreaterThan, isLessThan, add, sub, sign, isInteger, asInteger, asApproximateFloat; `==` is Quantity.Equal
// (Cmp == 0). The value model is a port of apimachinery resource.Quantity: ParseQuantity (fast int64Amount path
// and inf.Dec path, round-up to nano, BinarySI cap) and its two internal forms, because AsInt64 (isInteger /
// asInteger) and AsApproximateFloat64 depend on which form a quantity is in.
import type { Library } from "../registry.js";
import { T } from "../types.js";
import { CelError, Opaque, type Value } from "../values.js";
import { INT64_MAX, INT64_MIN, KT, TypeNames, asInt, asOpaque, asString, global, member, typeIdent } from "./common.js";

const SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
export const ErrFormatWrong = `quantities must match the regular expression '${SPLIT_RE}'`;
export const ErrNumeric = "unable to parse numeric part of quantity";
export const ErrSuffix = "unable to parse quantity's suffix";

/** value × 10^exp. Form "i" = int64Amount (value int64, exp = scale); form "d" = inf.Dec (exp = -Dec.Scale()). */
export class Quantity extends Opaque {
  readonly typeName = TypeNames.quantity;
  constructor(
    readonly form: "i" | "d",
    readonly value: bigint,
    readonly exp: number,
  ) {
    super();
  }
  equals(other: Opaque): boolean {
    return other instanceof Quantity && cmpQ(this, other) === 0;
  }
  /** Exact decimal text (for debugging and tests), e.g. "12582912", "-0.5". */
  override toString(): string {
    return decString(this.value, this.exp);
  }
}

function decString(v: bigint, exp: number): string {
  const neg = v < 0n;
  let digits = (neg ? -v : v).toString();
  if (exp >= 0) digits = v === 0n ? "0" : digits + "0".repeat(exp);
  else {
    const k = -exp;
    digits = digits.padStart(k + 1, "0");
    digits = `${digits.slice(0, -k)}.${digits.slice(-k)}`.replace(/\.?0+$/, "");
  }
  return (neg && digits !== "0" ? "-" : "") + digits;
}

const inInt64 = (v: bigint): boolean => v >= INT64_MIN && v <= INT64_MAX;
const pow10 = (n: number): bigint => 10n ** BigInt(n);

class QErr extends Error {}

function parseQuantityString(str: string): { positive: boolean; value: string; num: string; denom: string; suffix: string } {
  let positive = true;
  let pos = 0;
  const end = str.length;
  let num = "";
  let denom = "";
  let value = "";
  if (pos < end) {
    if (str[0] === "-") {
      positive = false;
      pos++;
    } else if (str[0] === "+") pos++;
  }
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value: "0", num: "0", denom: "", suffix: "" };
    if (str[i] === "0") pos++;
    else break;
  }
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
  {
    let i = pos;
    for (; ; i++) {
      if (i >= end) return { positive, value: str, num: str.slice(pos), denom: "", suffix: "" };
      if (!isDigit(str[i])) break;
    }
    num = str.slice(pos, i);
    pos = i;
  }
  if (num.length === 0) num = "0";
  if (pos < end && str[pos] === ".") {
    pos++;
    let i = pos;
    for (; ; i++) {
      if (i >= end) return { positive, value: str, num, denom: str.slice(pos), suffix: "" };
      if (!isDigit(str[i])) break;
    }
    denom = str.slice(pos, i);
    pos = i;
  }
  value = str.slice(0, pos);
  const suffixStart = pos;
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
    if (!"eEinumkKMGTP".includes(str[i]!)) {
      pos = i;
      break;
    }
  }
  if (pos < end && (str[pos] === "-" || str[pos] === "+")) pos++;
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
    if (!isDigit(str[i])) break;
  }
  throw new QErr(ErrFormatWrong);
}

const DEC_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

function interpretSuffix(s: string): { base: 10 | 2; exponent: number; format: "DecimalSI" | "BinarySI" | "DecimalExponent" } | undefined {
  if (Object.hasOwn(DEC_SUFFIXES, s)) return { base: 10, exponent: DEC_SUFFIXES[s]!, format: "DecimalSI" };
  if (Object.hasOwn(BIN_SUFFIXES, s)) return { base: 2, exponent: BIN_SUFFIXES[s]!, format: "BinarySI" };
  if (s.length > 1 && (s[0] === "E" || s[0] === "e")) {
    const rest = s.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const v = BigInt(rest);
    if (!inInt64(v)) return undefined;
    return { base: 10, exponent: Number(BigInt.asIntN(32, v)), format: "DecimalExponent" };
  }
  return undefined;
}

/** inf.Dec.SetString: optional sign, digits with at most one '.', whole string consumed. */
function decSetString(s: string): { unscaled: bigint; scale: number } | undefined {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?$/.exec(s);
  if (!m || (m[2]! + (m[3] ?? "")).length === 0) return undefined;
  const digits = m[2]! + (m[3] ?? "");
  const scale = m[3] !== undefined ? m[3].length : 0;
  const u = BigInt(digits);
  return { unscaled: m[1] === "-" ? -u : u, scale };
}

const MAX_ALLOWED = INT64_MAX;

/** apimachinery resource.ParseQuantity. Throws CelError with its error text. */
export function parseQuantity(str: string): Quantity {
  try {
    return parseQuantityImpl(str);
  } catch (e) {
    if (e instanceof QErr) throw new CelError(e.message);
    throw e;
  }
}

function parseQuantityImpl(str: string): Quantity {
  if (str.length === 0) throw new QErr(ErrFormatWrong);
  if (str === "0") return new Quantity("i", 0n, 0);
  const { positive, value, num, denom, suffix } = parseQuantityString(str);
  const suf = interpretSuffix(suffix);
  if (!suf) throw new QErr(ErrSuffix);
  const { base, exponent, format } = suf;
  let precision = 0;
  let scale = 0;
  let mantissa = 1n;
  if (format === "BinarySI") {
    if (exponent >= 0 && denom.length === 0) {
      mantissa = 1n << BigInt(exponent);
      precision = 15 - num.length - Math.trunc(Math.fround((Math.fround(exponent) * 3) / 10)) - 1;
    } else precision = -1;
  } else {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  }
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= -9) {
      const v = BigInt(num + denom);
      const result = v * mantissa;
      if (inInt64(result)) return new Quantity("i", positive ? result : -result, scale);
    }
  }
  const d = decSetString(value);
  if (!d) throw new QErr(ErrNumeric);
  let unscaled = d.unscaled;
  let infScale = d.scale;
  if (base === 10) infScale -= exponent;
  else unscaled *= 1n << BigInt(exponent);
  const negative = unscaled < 0n;
  if (negative) unscaled = -unscaled;
  if (unscaled !== 0n) {
    // inf.Dec.Round(amount, 9, RoundUp): rescale to exactly 9 fractional digits, rounding away from zero
    if (infScale <= 9) {
      unscaled *= pow10(9 - infScale);
    } else {
      const div = pow10(infScale - 9);
      const q = unscaled / div;
      unscaled = q * div === unscaled ? q : q + 1n;
    }
    infScale = 9;
  }
  if (format === "BinarySI" && cmpRaw(unscaled, -infScale, MAX_ALLOWED, 0) > 0) {
    unscaled = MAX_ALLOWED;
    infScale = 0;
  }
  return new Quantity("d", negative ? -unscaled : unscaled, -infScale);
}

/** Exact comparison of a×10^ea and b×10^eb. */
function cmpRaw(a: bigint, ea: number, b: bigint, eb: number): number {
  const e = Math.min(ea, eb);
  const x = a * pow10(ea - e);
  const y = b * pow10(eb - e);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function cmpQ(a: Quantity, b: Quantity): number {
  return cmpRaw(a.value, a.exp, b.value, b.exp);
}

/** int64Amount.Add (false = overflow, caller falls back to inf.Dec). */
function int64AmountAdd(a: Quantity, b: Quantity): Quantity | undefined {
  if (b.value === 0n) return a;
  if (a.value === 0n) return new Quantity("i", b.value, b.exp);
  if (a.exp === b.exp) {
    const c = a.value + b.value;
    return inInt64(c) ? new Quantity("i", c, a.exp) : undefined;
  }
  if (a.exp > b.exp) {
    const s = a.value * pow10(a.exp - b.exp);
    if (!inInt64(s)) return undefined;
    const c = s + b.value;
    return inInt64(c) ? new Quantity("i", c, b.exp) : undefined;
  }
  const s = b.value * pow10(b.exp - a.exp);
  if (!inInt64(s)) return undefined;
  const c = a.value + s;
  return inInt64(c) ? new Quantity("i", c, a.exp) : undefined;
}

/** inf.Dec addition: result scale is the larger scale (smaller exponent). */
function decAdd(a: Quantity, b: Quantity): Quantity {
  const e = Math.min(a.exp, b.exp);
  return new Quantity("d", a.value * pow10(a.exp - e) + b.value * pow10(b.exp - e), e);
}

export function addQ(q: Quantity, y: Quantity): Quantity {
  if (q.form === "i" && y.form === "i") {
    const r = int64AmountAdd(q, y);
    if (r) return r;
  }
  return decAdd(q, y);
}

export function subQ(q: Quantity, y: Quantity): Quantity {
  const neg = new Quantity(y.form, -y.value, y.exp);
  if (q.form === "i" && y.form === "i" && inInt64(-y.value)) {
    const r = int64AmountAdd(q, neg);
    if (r) return r;
  }
  return decAdd(q, neg);
}

/** Quantity.AsInt64: only the int64Amount form with a non-negative scale converts. */
export function asInt64(q: Quantity): bigint | undefined {
  if (q.form === "d") return undefined;
  if (q.exp === 0) return q.value;
  if (q.exp < 0) return undefined;
  const v = q.value * pow10(q.exp);
  return inInt64(v) ? v : undefined;
}

const tab = Array.from({ length: 32 }, (_, i) => Number(`1e${i}`));
const postab32 = Array.from({ length: 10 }, (_, i) => Number(`1e${i * 32}`));
const negtab32 = Array.from({ length: 11 }, (_, i) => Number(`1e-${i * 32}`));

/** Go math.Pow10. */
export function goPow10(n: number): number {
  if (n >= 0 && n <= 308) return postab32[Math.floor(n / 32)]! * tab[n % 32]!;
  if (n >= -323 && n < 0) return negtab32[Math.floor(-n / 32)]! / tab[-n % 32]!;
  return n > 0 ? Infinity : 0;
}

export function approximateFloat(q: Quantity): number {
  const base = Number(q.value);
  if (q.exp === 0) return base;
  return base * goPow10(q.exp);
}

const Q = (v: Value): Quantity => asOpaque(v, Quantity);
const fromInt = (v: Value): Quantity => new Quantity("i", asInt(v), 0);

export const quantityLibrary: Library = {
  name: "kubernetes.quantity",
  since: "1.28",
  idents: [typeIdent(TypeNames.quantity)],
  overloads: [
    global("string_to_quantity", "quantity", [T.string], KT.quantity, (s) => parseQuantity(asString(s))),
    global("quantity_is_quantity", "isQuantity", [T.string], T.bool, (s) => {
      try {
        parseQuantity(asString(s));
        return true;
      } catch (e) {
        if (e instanceof CelError && e.message !== "no such overload") return false;
        throw e;
      }
    }),
    member("quantity_get_sign", "sign", [KT.quantity], T.int, (q) => {
      const v = Q(q).value;
      return v > 0n ? 1n : v < 0n ? -1n : 0n;
    }),
    member("quantity_is_greater_than", "isGreaterThan", [KT.quantity, KT.quantity], T.bool, (a, b) => cmpQ(Q(a), Q(b)) === 1),
    member("quantity_is_less_than", "isLessThan", [KT.quantity, KT.quantity], T.bool, (a, b) => cmpQ(Q(a), Q(b)) === -1),
    member("quantity_compare_to", "compareTo", [KT.quantity, KT.quantity], T.int, (a, b) => BigInt(cmpQ(Q(a), Q(b)))),
    member("quantity_get_float", "asApproximateFloat", [KT.quantity], T.double, (q) => approximateFloat(Q(q))),
    member("quantity_get_int", "asInteger", [KT.quantity], T.int, (q) => {
      const v = asInt64(Q(q));
      if (v === undefined) throw new CelError("cannot convert value to integer");
      return v;
    }),
    member("quantity_is_integer", "isInteger", [KT.quantity], T.bool, (q) => asInt64(Q(q)) !== undefined),
    member("quantity_add", "add", [KT.quantity, KT.quantity], KT.quantity, (a, b) => addQ(Q(a), Q(b))),
    member("quantity_add_int", "add", [KT.quantity, T.int], KT.quantity, (a, b) => addQ(Q(a), fromInt(b))),
    member("quantity_sub", "sub", [KT.quantity, KT.quantity], KT.quantity, (a, b) => subQ(Q(a), Q(b))),
    member("quantity_sub_int", "sub", [KT.quantity, T.int], KT.quantity, (a, b) => subQ(Q(a), fromInt(b))),
  ],
};

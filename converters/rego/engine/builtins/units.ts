// Unit parsing builtins (OPA v1/topdown/parse_units.go, parse_bytes.go): units.parse (SI and binary suffixes,
// "m" = milli, case-sensitive first letter; non-integers rounded to 10 decimals) and units.parse_bytes
// (case-insensitive, result truncated to an integer). Quotes are removed; spaces are an error. Arithmetic is exact
// (rationals over bigint), as OPA's big.Rat is.
import type { Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { fail, fromBig, str } from "./util.js";

const MAX_EXPONENT_DIGITS = 6;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** OPA's extractNumAndUnit (on bytes; ASCII is all that matters). */
function extractNumAndUnit(s: string): { num: string; unit: string } | "exponent" {
  let first = -1;
  for (let idx = 0; idx < s.length; idx++) {
    const r = s[idx]!;
    const isNum = isDigit(r) || r === ".";
    if (!isNum && r !== "e" && r !== "E" && r !== "+" && r !== "-") {
      first = idx;
      break;
    }
    if (r === "e" || r === "E") {
      const next = s[idx + 1];
      if (idx === s.length - 1 || (!isDigit(next) && next !== "+" && next !== "-")) {
        first = idx;
        break;
      }
      if (next === "+" || next === "-") idx++;
      let end = idx + 1;
      while (end < s.length && isDigit(s[end])) end++;
      if (end - (idx + 1) > MAX_EXPONENT_DIGITS) return "exponent";
    }
  }
  if (first === -1) return { num: s, unit: "" };
  if (first === 0) return { num: "", unit: s };
  return { num: s.slice(0, first), unit: s.slice(first) };
}

interface Rat {
  p: bigint;
  q: bigint;
}

/** big.Rat / big.Float SetString for decimal input: [+-] digits [. digits] [e [+-] digits]. */
function parseDecimal(num: string): Rat | undefined {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(num);
  if (!m) return undefined;
  const intDigits = m[2]!;
  const fracDigits = m[3] ?? "";
  if (intDigits === "" && fracDigits === "") return undefined;
  let p = BigInt((intDigits + fracDigits).replace(/^0+(?=.)/, "") || "0");
  let q = 10n ** BigInt(fracDigits.length);
  const exp = Number(m[4] ?? "0");
  if (exp > 0) p *= 10n ** BigInt(exp);
  else if (exp < 0) q *= 10n ** BigInt(-exp);
  if (m[1] === "-") p = -p;
  return { p, q };
}

/** big.Rat.FloatString(10), as a number. */
function ratToNumber(r: Rat): number {
  if (r.p % r.q === 0n) return fromBig(r.p / r.q);
  const neg = r.p < 0n;
  const p = neg ? -r.p : r.p;
  const scale = 10n ** 10n;
  let scaled = (p * scale) / r.q;
  const remainder = (p * scale) % r.q;
  if (remainder * 2n >= r.q) scaled += 1n; // halves away from zero
  const s = scaled.toString().padStart(11, "0");
  const text = s.slice(0, -10) + "." + s.slice(-10);
  return Number((neg ? "-" : "") + text);
}

const K = 1000n;
const KI = 1024n;

function unitsParse(raw: string): number {
  const s = raw.replace(/"/g, "");
  if (s.includes(" ")) throw fail("units.parse: spaces not allowed in resource strings");
  const parts = extractNumAndUnit(s);
  if (parts === "exponent") throw fail("units.parse: exponent too large");
  if (parts.num === "") throw fail("units.parse: no amount provided");
  let unit = parts.unit;
  if (unit.length > 1) unit = unit[0] + unit.slice(1).toLowerCase();
  let mul: Rat;
  switch (unit) {
    case "m":
      mul = { p: 1n, q: 1000n };
      break;
    case "":
      mul = { p: 1n, q: 1n };
      break;
    case "k":
    case "K":
      mul = { p: K, q: 1n };
      break;
    case "ki":
    case "Ki":
      mul = { p: KI, q: 1n };
      break;
    case "M":
      mul = { p: K ** 2n, q: 1n };
      break;
    case "mi":
    case "Mi":
      mul = { p: KI ** 2n, q: 1n };
      break;
    case "g":
    case "G":
      mul = { p: K ** 3n, q: 1n };
      break;
    case "gi":
    case "Gi":
      mul = { p: KI ** 3n, q: 1n };
      break;
    case "t":
    case "T":
      mul = { p: K ** 4n, q: 1n };
      break;
    case "ti":
    case "Ti":
      mul = { p: KI ** 4n, q: 1n };
      break;
    case "p":
    case "P":
      mul = { p: K ** 5n, q: 1n };
      break;
    case "pi":
    case "Pi":
      mul = { p: KI ** 5n, q: 1n };
      break;
    case "e":
    case "E":
      mul = { p: K ** 6n, q: 1n };
      break;
    case "ei":
    case "Ei":
      mul = { p: KI ** 6n, q: 1n };
      break;
    default:
      throw fail(`units.parse: unit ${unit} not recognized`);
  }
  const n = parseDecimal(parts.num);
  if (n === undefined) throw fail("units.parse: could not parse amount to a number");
  return ratToNumber({ p: n.p * mul.p, q: n.q * mul.q });
}

const BYTE_UNITS: Record<string, bigint> = {
  "": 1n,
  kb: K,
  k: K,
  kib: KI,
  ki: KI,
  mb: K ** 2n,
  m: K ** 2n,
  mib: KI ** 2n,
  mi: KI ** 2n,
  gb: K ** 3n,
  g: K ** 3n,
  gib: KI ** 3n,
  gi: KI ** 3n,
  tb: K ** 4n,
  t: K ** 4n,
  tib: KI ** 4n,
  ti: KI ** 4n,
  pb: K ** 5n,
  p: K ** 5n,
  pib: KI ** 5n,
  pi: KI ** 5n,
  eb: K ** 6n,
  e: K ** 6n,
  eib: KI ** 6n,
  ei: KI ** 6n,
};

function parseBytes(raw: string): number {
  const s = raw.toLowerCase().replace(/"/g, "");
  if (s.includes(" ")) throw fail("units.parse_bytes: spaces not allowed in resource strings");
  const parts = extractNumAndUnit(s);
  if (parts === "exponent") throw fail("units.parse_bytes: exponent too large");
  if (parts.num === "") throw fail("units.parse_bytes: no byte amount provided");
  const mul = Object.hasOwn(BYTE_UNITS, parts.unit) ? BYTE_UNITS[parts.unit] : undefined;
  if (mul === undefined) throw fail(`units.parse_bytes: byte unit ${parts.unit} not recognized`);
  const n = parseDecimal(parts.num);
  if (n === undefined) throw fail("units.parse_bytes: could not parse byte amount to a number");
  return fromBig((n.p * mul) / n.q); // truncates toward zero, as big.Float.Int does
}

export const UNITS: BuiltinDef[] = [
  ["units.parse", 1, ([s]: readonly Value[]) => unitsParse(str(s!, 1))],
  ["units.parse_bytes", 1, ([s]: readonly Value[]) => parseBytes(str(s!, 1))],
];
